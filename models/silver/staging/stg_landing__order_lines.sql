-- Every delivered order line record version, renamed and typed: the order line change feed (CDC).
-- Casts follow the landing contract's literal forms (packages/lakehouse/macros/casting/): a value
-- that is not one (a fractional quantity, `2nd`) is null here, its landed text kept (`*_text`) for
-- int_order_lines__checked to judge. Re-delivered files stay in bronze.
with landed as (

    select * from {{ ref('bronze_order_lines') }}
    where not _is_redelivered

)

select
    {{ lakehouse.landing_integer('order_line_id') }} as order_line_id,
    {{ lakehouse.landing_integer('order_id') }} as order_id,
    {{ lakehouse.landing_integer('product_id') }} as product_id,
    {{ lakehouse.landing_cdc_operation('op') }} as cdc_operation,
    order_line_id as order_line_id_text,
    order_id as order_id_text,
    product_id as product_id_text,
    line_number as line_number_text,
    quantity as quantity_text,
    unit_price as unit_price_text,
    discount_amount as discount_amount_text,
    updated_at as updated_at_text,
    _corrupt_record,
    _batch_id,
    _source_file,
    _source_line,
    -- try_cast: an integer literal beyond the int range is bad_type too, not a failed build.
    try_cast({{ lakehouse.landing_integer('line_number') }} as integer) as line_number,
    try_cast({{ lakehouse.landing_integer('quantity') }} as integer) as quantity,
    {{ lakehouse.landing_decimal('unit_price') }} as unit_price,
    {{ lakehouse.landing_decimal('discount_amount') }} as discount_amount,
    {{ lakehouse.landing_timestamp('updated_at') }} as updated_at,
    _ingested_at
from landed
