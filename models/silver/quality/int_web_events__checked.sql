{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Web event feed judged: quarantine_reasons lists every check the event fails ('' for a valid
-- event). The one place web events are judged (reasons: the registry's meta.checks).
with web_events as (

    select * from {{ ref('stg_landing__web_events') }}
    where {{ lakehouse.ingested_since_last_run() }}

),

known_products as (

    select distinct product_id
    from {{ ref('int_products__checked') }}
    where quarantine_reasons = ''

)

select
    web_events.*,
    {{ lakehouse.record_quarantine_reasons([
        ('web_events.event_id_text is null', 'null_key'),
        (lakehouse.is_bad_literal('web_events.event_id', 'web_events.event_id_text'), 'bad_type'),
        (lakehouse.is_bad_literal('web_events.session_id', 'web_events.session_id_text'), 'bad_type'),
        ('web_events.event_at is null', 'bad_type'),
        (lakehouse.is_bad_literal('web_events.customer_id', 'web_events.customer_id_text'), 'bad_type'),
        (lakehouse.is_bad_literal('web_events.product_id', 'web_events.product_id_text'), 'bad_type'),
        (lakehouse.is_future_time('web_events.event_at', 'web_events._ingested_at'), 'future_date'),
        (
            'web_events.product_id is not null and known_products.product_id is null',
            'orphan_product',
        ),
    ], 'web_events') }} as quarantine_reasons
from web_events
left join known_products
    on web_events.product_id = known_products.product_id
