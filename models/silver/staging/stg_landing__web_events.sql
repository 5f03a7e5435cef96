-- Every delivered web event, typed (re-deliveries included; fact_web_event deduplicates).
-- Values that do not cast become null and are named in record_issues (quarantine).
with landed as (

    select
        *,
        try_cast(event_id as bigint) as typed_event_id,
        try_cast(event_ts as timestamp) as typed_event_at
    from {{ ref('bronze_web_events') }}

)

select
    typed_event_id as event_id,
    session_id,
    try_cast(customer_id as bigint) as customer_id,
    try_cast(product_id as bigint) as product_id,
    lower(trim(event_type)) as event_type,
    page_url,
    lower(trim(channel)) as channel_code,
    lower(trim(device)) as device_type,
    _batch_id,
    _source_file,
    {{ quarantine_reasons([
        ('typed_event_id is null', 'null_key'),
        ('typed_event_at is null', 'bad_type'),
        ('customer_id is not null and try_cast(customer_id as bigint) is null', 'bad_type'),
        ('product_id is not null and try_cast(product_id as bigint) is null', 'bad_type'),
    ]) }} as record_issues,
    cast(typed_event_at as date) as event_date,
    typed_event_at as event_at,
    _ingested_at
from landed
