{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Web event feed with every check applied: quarantine_reasons is '' for a valid event.
with web_events as (

    select * from {{ ref('stg_landing__web_events') }}
    where {{ ingested_since_last_run() }}

),

known_products as (

    select distinct product_id
    from {{ ref('int_products__checked') }}
    where quarantine_reasons = ''

)

select
    web_events.*,
    {{ quarantine_reasons(
        [(
            'web_events.product_id is not null and known_products.product_id is null',
            'orphan_product',
        )],
        earlier='web_events.record_issues',
    ) }} as quarantine_reasons
from web_events
left join known_products
    on web_events.product_id = known_products.product_id
