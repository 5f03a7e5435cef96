-- Every delivered product record version, renamed and typed: the product change feed. Casts follow
-- the landing contract's literal forms (packages/lakehouse/macros/casting/): a value that is not
-- one is null here, its landed text kept (`*_text`) for int_products__checked to judge.
-- Re-delivered files stay in bronze.
with landed as (

    select * from {{ ref('bronze_products') }}
    where not _is_redelivered

)

select
    {{ lakehouse.landing_integer('product_id') }} as product_id,
    {{ lakehouse.landing_text('product_name') }} as product_name,
    lower({{ lakehouse.landing_text('category') }}) as category,
    lower({{ lakehouse.landing_text('subcategory') }}) as subcategory,
    {{ lakehouse.landing_text('brand') }} as brand,
    {{ lakehouse.landing_cdc_operation('op') }} as cdc_operation,
    product_id as product_id_text,
    list_price as list_price_text,
    unit_cost as unit_cost_text,
    is_active as is_active_text,
    updated_at as updated_at_text,
    _corrupt_record,
    _batch_id,
    _source_file,
    _source_line,
    {{ lakehouse.landing_decimal('list_price') }} as list_price,
    {{ lakehouse.landing_decimal('unit_cost') }} as unit_cost,
    {{ lakehouse.landing_boolean('is_active') }} as is_active,
    {{ lakehouse.landing_timestamp('updated_at') }} as updated_at,
    _ingested_at
from landed
