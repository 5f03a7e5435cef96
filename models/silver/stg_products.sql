{{ config(materialized='view') }}

-- Current state of each product: the latest delivered version, gone once deleted.
-- The SCD2 snapshot (snap_products) records history from this.
with versions as (

    select
        cast(product_id as bigint) as product_id,
        trim(product_name) as product_name,
        lower(trim(category)) as category,
        lower(trim(subcategory)) as subcategory,
        trim(brand) as brand,
        lower(trim(op)) as cdc_operation,
        _batch_id,
        _source_file,
        cast(list_price as decimal(18, 2)) as list_price,
        cast(unit_cost as decimal(18, 2)) as unit_cost,
        cast(is_active as boolean) as is_active,
        cast(updated_at as timestamp) as updated_at
    from {{ ref('bronze_products') }}

),

latest as (

    select *
    from versions
    qualify row_number() over (
            partition by product_id
            order by updated_at desc, _batch_id desc, _source_file desc
        ) = 1

)

select
    product_id,
    product_name,
    category,
    subcategory,
    brand,
    _batch_id,
    list_price,
    unit_cost,
    is_active,
    updated_at
from latest
where cdc_operation != 'delete'
