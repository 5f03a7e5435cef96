{{
    config(
        materialized='incremental',
        incremental_strategy='merge_cdc',
        unique_key='order_id',
        on_schema_change='append_new_columns',
    )
}}

-- One row per live order: its latest version (change time, ties broken by delivery order).
-- Incremental: every order with a valid record arrived since the last run is re-decided from
-- all its versions and merged on order_id (a delete removes the row), so the result does not
-- depend on how late a record arrives. `_ingested_at` is the order's latest arrival.
with versions as (

    select *
    from {{ ref('int_orders__checked') }}
    where
        quarantine_reasons = ''
        and {{ lakehouse.key_arrived_since_last_run(ref('int_orders__checked'), 'order_id') }}

),

latest as (

    select
        *,
        max(_ingested_at) over (partition by order_id) as last_ingested_at
    from versions
    qualify
        row_number() over (
            partition by order_id order by {{ lakehouse.latest_version_first() }}
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
    cdc_operation,
    _batch_id,
    _source_file,
    -- int on both engines (the bronze line number is DuckDB's bigint row_number).
    cast(_source_line as int) as _source_line,
    order_date,
    ordered_at,
    updated_at,
    last_ingested_at as _ingested_at
from latest
{% if not is_incremental() -%}
    -- A full refresh keeps live orders only; incrementally, merge_cdc applies the deletes.
    where cdc_operation != 'delete'
{%- endif %}
