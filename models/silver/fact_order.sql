{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
        on_schema_change='append_new_columns',
    )
}}

-- One row per order: its latest delivered version. Incremental: versions changed since the
-- watermark (minus the lookback window) are merged on order_id.
with changes as (

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
        cast(order_ts as timestamp) as ordered_at,
        cast(updated_at as timestamp) as updated_at,
        _ingested_at
    from {{ ref('bronze_orders') }}

),

latest as (

    select *
    from changes
    where {{ watermark_filter('updated_at') }}
    qualify row_number() over (
            partition by order_id
            order by updated_at desc, _batch_id desc, _source_file desc
        ) = 1

)

select
    order_id,
    customer_id,
    order_status,
    channel_code,
    country_code,
    currency_code,
    payment_method,
    _batch_id,
    cdc_operation = 'delete' as is_deleted,
    cast(ordered_at as date) as order_date,
    ordered_at,
    updated_at,
    _ingested_at
from latest
