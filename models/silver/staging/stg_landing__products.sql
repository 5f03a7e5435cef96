-- Every delivered product record version, typed: the product change feed.
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
    cast(updated_at as timestamp) as updated_at,
    _ingested_at
from {{ ref('bronze_products') }}
