{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Append-only clickstream, deduplicated on event_id across deliveries and batches: the
-- first delivery of an event wins, later re-deliveries are skipped.
with events as (

    select
        cast(event_id as bigint) as event_id,
        session_id,
        cast(customer_id as bigint) as customer_id,
        cast(product_id as bigint) as product_id,
        lower(trim(event_type)) as event_type,
        page_url,
        lower(trim(channel)) as channel_code,
        lower(trim(device)) as device_type,
        _batch_id,
        _source_file,
        cast(event_ts as timestamp) as event_at,
        _ingested_at
    from {{ ref('bronze_web_events') }}

),

new_events as (

    select *
    from events
    where {{ watermark_filter('event_at') }}
    qualify row_number() over (
            partition by event_id order by _batch_id, _source_file
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
    cast(event_at as date) as event_date,
    event_at,
    _ingested_at
from new_events
{% if is_incremental() -%}
    where not exists (
            select loaded.event_id from {{ this }} as loaded
            where loaded.event_id = new_events.event_id
        )
{%- endif %}
