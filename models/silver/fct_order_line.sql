{{
    config(
        materialized='incremental',
        incremental_strategy='merge_cdc',
        unique_key='order_line_id',
        on_schema_change='append_new_columns',
    )
}}

-- One row per live order line: its latest version (change time, ties broken by delivery
-- order). Incremental like fct_order: every line with a valid record arrived since the last
-- run is re-decided from all its versions and merged on order_line_id; a delete removes it.
with versions as (

    select *
    from {{ ref('int_order_lines__checked') }}
    where
        quarantine_reasons = ''
        and {{ lakehouse.key_arrived_since_last_run(
            ref('int_order_lines__checked'), 'order_line_id') }}

),

latest as (

    select
        *,
        max(_ingested_at) over (partition by order_line_id) as last_ingested_at
    from versions
    qualify
        row_number() over (
            partition by order_line_id order by {{ lakehouse.latest_version_first() }}
        ) = 1

)

select
    order_line_id,
    order_id,
    product_id,
    cdc_operation,
    _batch_id,
    _source_file,
    -- int on both engines (the bronze line number is DuckDB's bigint row_number).
    cast(_source_line as int) as _source_line,
    line_number,
    quantity,
    unit_price,
    discount_amount,
    -- Exact on both engines: integer * decimal(18, 2), less a decimal(18, 2), keeps 2 places; the
    -- casts never round (only quotients do: packages/lakehouse/macros/utils/divide_half_up.sql).
    cast(quantity * unit_price as decimal(18, 2)) as gross_amount,
    cast(quantity * unit_price - discount_amount as decimal(18, 2)) as net_amount,
    updated_at,
    last_ingested_at as _ingested_at
from latest
{% if not is_incremental() -%}
    -- A full refresh keeps live lines only; incrementally, merge_cdc applies the deletes.
    where cdc_operation != 'delete'
{%- endif %}
