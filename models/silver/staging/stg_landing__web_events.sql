-- Every delivered web event, renamed and typed (duplicate deliveries included; fct_web_event keeps
-- the first). Casts follow the landing contract's literal forms
-- (packages/lakehouse/macros/casting/): a value that is not one is null here, its landed text kept
-- (`*_text`) for int_web_events__checked to judge. Re-delivered files stay in bronze.
with landed as (

    select
        *,
        {{ lakehouse.landing_timestamp('event_ts') }} as event_at_utc
    from {{ ref('bronze_web_events') }}
    where not _is_redelivered

)

select
    {{ lakehouse.landing_integer('event_id') }} as event_id,
    {{ lakehouse.landing_integer('session_id') }} as session_id,
    {{ lakehouse.landing_integer('customer_id') }} as customer_id,
    {{ lakehouse.landing_integer('product_id') }} as product_id,
    lower({{ lakehouse.landing_text('event_type') }}) as event_type,
    {{ lakehouse.landing_text('page_url') }} as page_url,
    lower({{ lakehouse.landing_text('channel') }}) as channel_code,
    lower({{ lakehouse.landing_text('device') }}) as device_type,
    event_id as event_id_text,
    session_id as session_id_text,
    customer_id as customer_id_text,
    product_id as product_id_text,
    event_ts as event_ts_text,
    _corrupt_record,
    _batch_id,
    _source_file,
    _source_line,
    cast(event_at_utc as date) as event_date,
    event_at_utc as event_at,
    _ingested_at
from landed
