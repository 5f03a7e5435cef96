-- Every delivered product record version, renamed and typed: the product change feed.
-- Casts follow the landing contract's literal forms (macros/casting/): a value that is not
-- one is null here, its landed text kept (`*_text`) for int_products__checked to judge.
-- Re-delivered files stay in bronze.
with landed as (

    select * from {{ ref('bronze_products') }}
    where not _is_redelivered

)

select
    {{ landing_integer('product_id') }} as product_id,
    {{ landing_text('product_name') }} as product_name,
    lower({{ landing_text('category') }}) as category,
    lower({{ landing_text('subcategory') }}) as subcategory,
    {{ landing_text('brand') }} as brand,
    {{ landing_cdc_operation('op') }} as cdc_operation,
    product_id as product_id_text,
    list_price as list_price_text,
    unit_cost as unit_cost_text,
    is_active as is_active_text,
    updated_at as updated_at_text,
    _corrupt_record,
    _batch_id,
    _source_file,
    _source_line,
    {{ landing_decimal('list_price') }} as list_price,
    {{ landing_decimal('unit_cost') }} as unit_cost,
    {{ landing_boolean('is_active') }} as is_active,
    {{ landing_timestamp('updated_at') }} as updated_at,
    _ingested_at
from landed
