-- Every delivered order record version, typed: the order change feed (CDC).
-- Values that do not cast become null and are named in record_issues (quarantine).
with landed as (

    select
        *,
        try_cast(order_id as bigint) as typed_order_id,
        try_cast(order_ts as timestamp) as typed_ordered_at,
        try_cast(updated_at as timestamp) as typed_updated_at
    from {{ ref('bronze_orders') }}

)

select
    typed_order_id as order_id,
    try_cast(customer_id as bigint) as customer_id,
    lower(trim(status)) as order_status,
    lower(trim(channel)) as channel_code,
    upper(trim(country_code)) as country_code,
    upper(trim(currency)) as currency_code,
    lower(trim(payment_method)) as payment_method,
    lower(trim(op)) as cdc_operation,
    _batch_id,
    _source_file,
    {{ quarantine_reasons([
        ('typed_order_id is null', 'null_key'),
        ('typed_ordered_at is null', 'bad_type'),
        ('typed_updated_at is null', 'bad_type'),
        ('customer_id is not null and try_cast(customer_id as bigint) is null', 'bad_type'),
        ("typed_ordered_at > " ~ dbt.dateadd('day', 1, 'typed_updated_at'), 'future_date'),
        ("typed_ordered_at > " ~ dbt.dateadd('day', 1, dbt.current_timestamp()), 'future_date'),
    ]) }} as record_issues,
    cast(typed_ordered_at as date) as order_date,
    typed_ordered_at as ordered_at,
    typed_updated_at as updated_at,
    _ingested_at
from landed
