-- Every delivered order line record version, typed: the order line change feed (CDC).
-- Values that do not cast become null and are named in record_issues (quarantine). A
-- fractional quantity is refused too: DuckDB's try_cast to integer would round it.
with landed as (

    select
        *,
        try_cast(order_line_id as bigint) as typed_order_line_id,
        try_cast(quantity as integer) as typed_quantity,
        try_cast(unit_price as decimal(18, 2)) as typed_unit_price,
        try_cast(discount_amount as decimal(18, 2)) as typed_discount_amount
    from {{ ref('bronze_order_lines') }}

)

select
    typed_order_line_id as order_line_id,
    try_cast(order_id as bigint) as order_id,
    try_cast(product_id as bigint) as product_id,
    lower(trim(op)) as cdc_operation,
    _batch_id,
    _source_file,
    {{ quarantine_reasons([
        ('typed_order_line_id is null', 'null_key'),
        ('typed_quantity is null', 'bad_type'),
        ('try_cast(quantity as decimal(18, 4)) != typed_quantity', 'bad_type'),
        ('typed_unit_price is null', 'bad_type'),
        ('typed_discount_amount is null', 'bad_type'),
        ('try_cast(order_id as bigint) is null', 'bad_type'),
        ('try_cast(product_id as bigint) is null', 'bad_type'),
        ('try_cast(updated_at as timestamp) is null', 'bad_type'),
        ('typed_unit_price < 0', 'negative_price'),
    ]) }} as record_issues,
    try_cast(line_number as integer) as line_number,
    typed_quantity as quantity,
    typed_unit_price as unit_price,
    typed_discount_amount as discount_amount,
    try_cast(updated_at as timestamp) as updated_at,
    _ingested_at
from landed
