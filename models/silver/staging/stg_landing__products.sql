-- Every delivered product record version, typed: the product change feed.
-- Values that do not cast become null and are named in record_issues (quarantine).
with landed as (

    select
        *,
        try_cast(product_id as bigint) as typed_product_id,
        try_cast(list_price as decimal(18, 2)) as typed_list_price
    from {{ ref('bronze_products') }}

)

select
    typed_product_id as product_id,
    trim(product_name) as product_name,
    lower(trim(category)) as category,
    lower(trim(subcategory)) as subcategory,
    trim(brand) as brand,
    lower(trim(op)) as cdc_operation,
    _batch_id,
    _source_file,
    {{ quarantine_reasons([
        ('typed_product_id is null', 'null_key'),
        ('list_price is not null and typed_list_price is null', 'bad_type'),
        ('unit_cost is not null and try_cast(unit_cost as decimal(18, 2)) is null', 'bad_type'),
        ('try_cast(updated_at as timestamp) is null', 'bad_type'),
        ('typed_list_price < 0', 'negative_price'),
    ]) }} as record_issues,
    typed_list_price as list_price,
    try_cast(unit_cost as decimal(18, 2)) as unit_cost,
    try_cast(is_active as boolean) as is_active,
    try_cast(updated_at as timestamp) as updated_at,
    _ingested_at
from landed
