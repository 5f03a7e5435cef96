-- Every delivered order record version, renamed and typed: the order change feed (CDC). Casts
-- follow the landing contract's literal forms (packages/lakehouse/macros/casting/): a value that is
-- not one is null here, its landed text kept (`*_text`) for int_orders__checked to judge.
-- Timestamps with a UTC offset are converted to UTC. Re-delivered files stay in bronze.
with landed as (

    select
        *,
        {{ lakehouse.landing_timestamp('order_ts') }} as ordered_at_utc
    from {{ ref('bronze_orders') }}
    where not _is_redelivered

)

select
    {{ lakehouse.landing_integer('order_id') }} as order_id,
    {{ lakehouse.landing_integer('customer_id') }} as customer_id,
    lower({{ lakehouse.landing_text('status') }}) as order_status,
    lower({{ lakehouse.landing_text('channel') }}) as channel_code,
    upper({{ lakehouse.landing_text('country_code') }}) as country_code,
    upper({{ lakehouse.landing_text('currency') }}) as currency_code,
    lower({{ lakehouse.landing_text('payment_method') }}) as payment_method,
    {{ lakehouse.landing_cdc_operation('op') }} as cdc_operation,
    order_id as order_id_text,
    customer_id as customer_id_text,
    order_ts as order_ts_text,
    updated_at as updated_at_text,
    _corrupt_record,
    _batch_id,
    _source_file,
    _source_line,
    cast(ordered_at_utc as date) as order_date,
    ordered_at_utc as ordered_at,
    {{ lakehouse.landing_timestamp('updated_at') }} as updated_at,
    _ingested_at
from landed
