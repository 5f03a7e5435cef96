-- Every delivered order line record version, typed: the order line change feed (CDC).
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
