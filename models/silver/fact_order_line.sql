{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_line_id',
        on_schema_change='append_new_columns',
    )
}}

-- One row per order line: its latest delivered version, merged on order_line_id.
with changes as (

    select
        cast(order_line_id as bigint) as order_line_id,
        cast(order_id as bigint) as order_id,
        cast(product_id as bigint) as product_id,
        lower(trim(op)) as cdc_operation,
        _batch_id,
        _source_file,
        cast(line_number as integer) as line_number,
        cast(quantity as integer) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        cast(updated_at as timestamp) as updated_at,
        _ingested_at
    from {{ ref('bronze_order_lines') }}

),

latest as (

    select *
    from changes
    where {{ watermark_filter('updated_at') }}
    qualify row_number() over (
            partition by order_line_id
            order by updated_at desc, _batch_id desc, _source_file desc
        ) = 1

)

select
    order_line_id,
    order_id,
    product_id,
    _batch_id,
    line_number,
    quantity,
    unit_price,
    discount_amount,
    cast(quantity * unit_price as decimal(18, 2)) as gross_amount,
    cast(quantity * unit_price - discount_amount as decimal(18, 2)) as net_amount,
    cdc_operation = 'delete' as is_deleted,
    updated_at,
    _ingested_at
from latest
