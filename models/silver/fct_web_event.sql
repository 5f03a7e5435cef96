{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Append-only clickstream, deduplicated on event_id across deliveries and batches: the
-- first delivery of an event (batch, file, line) wins, later ones are skipped. Incremental
-- by arrival (`_ingested_at`), so an event is loaded however late it arrives.
with new_events as (

    select *
    from {{ ref('int_web_events__checked') }}
    where quarantine_reasons = '' and {{ lakehouse.ingested_since_last_run() }}
    qualify
        row_number() over (
            partition by event_id order by {{ lakehouse.first_delivery_first() }}
        ) = 1

)

select
    event_id,
    session_id,
    customer_id,
    product_id,
    event_type,
    page_url,
    channel_code,
    device_type,
    _batch_id,
    event_date,
    event_at,
    _ingested_at
from new_events
{% if is_incremental() -%}
    where
        not exists (
            select loaded.event_id from {{ this }} as loaded
            where loaded.event_id = new_events.event_id
        )
{%- endif %}
