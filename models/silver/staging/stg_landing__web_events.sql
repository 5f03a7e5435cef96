-- Every delivered web event, typed (re-deliveries included; fact_web_event deduplicates).
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
    cast(cast(event_ts as timestamp) as date) as event_date,
    cast(event_ts as timestamp) as event_at,
    _ingested_at
from {{ ref('bronze_web_events') }}
