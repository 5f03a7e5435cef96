{{
    config(
        materialized='incremental',
        incremental_strategy='merge_cdc',
        unique_key='order_line_id',
        on_schema_change='append_new_columns',
    )
}}

-- One row per live order line: its latest delivered version, merged on order_line_id; a
-- delete removes the row.
with changes as (

    select *
    from {{ ref('int_order_lines__checked') }}
    where quarantine_reasons = '' and {{ watermark_filter('updated_at') }}

),

latest as (

    select *
    from changes
    qualify
        row_number() over (
            partition by order_line_id
            order by updated_at desc, _batch_id desc, _source_file desc
        ) = 1

)

select
    order_line_id,
    order_id,
    product_id,
    cdc_operation,
    _batch_id,
    _source_file,
    line_number,
    quantity,
    unit_price,
    discount_amount,
    -- Exact on both engines: integer * decimal(18, 2), less a decimal(18, 2), keeps 2 places;
    -- the casts never round (only quotients do: macros/utils/divide_half_up.sql).
    cast(quantity * unit_price as decimal(18, 2)) as gross_amount,
    cast(quantity * unit_price - discount_amount as decimal(18, 2)) as net_amount,
    updated_at,
    _ingested_at
from latest
{% if not is_incremental() -%}
    -- A full refresh keeps live lines only; incrementally, merge_cdc applies the deletes.
    where cdc_operation != 'delete'
{%- endif %}
