-- Every delivered order record version, typed: the order change feed (CDC).
select
    cast(order_id as bigint) as order_id,
    cast(customer_id as bigint) as customer_id,
    lower(trim(status)) as order_status,
    lower(trim(channel)) as channel_code,
    upper(trim(country_code)) as country_code,
    upper(trim(currency)) as currency_code,
    lower(trim(payment_method)) as payment_method,
    lower(trim(op)) as cdc_operation,
    _batch_id,
    _source_file,
    cast(cast(order_ts as timestamp) as date) as order_date,
    cast(order_ts as timestamp) as ordered_at,
    cast(updated_at as timestamp) as updated_at,
    _ingested_at
from {{ ref('bronze_orders') }}
