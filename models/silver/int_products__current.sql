{{ config(materialized='view') }}

-- Current state of each product: the latest valid delivered version, a delete included
-- (cdc_operation = 'delete'), so the SCD2 snapshot (snap_products) closes the last live
-- version at the source's delete time.
with latest as (

    select *
    from {{ ref('int_products__checked') }}
    where quarantine_reasons = ''
    qualify
        row_number() over (
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
    cdc_operation,
    _batch_id,
    list_price,
    unit_cost,
    is_active,
    updated_at
from latest
