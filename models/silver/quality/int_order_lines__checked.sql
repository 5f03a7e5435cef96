{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Order line change feed judged: quarantine_reasons lists every check the record fails ('' when
-- valid). The one place order line records are judged (reasons: the registry's meta.checks). An
-- order or product is known once any valid version of it has been delivered.
with order_lines as (

    select * from {{ ref('stg_landing__order_lines') }}
    where {{ lakehouse.ingested_since_last_run() }}

),

known_orders as (

    select distinct order_id
    from {{ ref('int_orders__checked') }}
    where quarantine_reasons = ''

),

known_products as (

    select distinct product_id
    from {{ ref('int_products__checked') }}
    where quarantine_reasons = ''

)

select
    order_lines.*,
    {{ lakehouse.record_quarantine_reasons([
        ('order_lines.order_line_id_text is null', 'null_key'),
        (lakehouse.is_bad_literal('order_lines.order_line_id', 'order_lines.order_line_id_text'), 'bad_type'),
        ('order_lines.order_id is null', 'bad_type'),
        ('order_lines.product_id is null', 'bad_type'),
        (lakehouse.is_bad_literal('order_lines.line_number', 'order_lines.line_number_text'), 'bad_type'),
        ('order_lines.quantity is null', 'bad_type'),
        ('order_lines.unit_price is null', 'bad_type'),
        ('order_lines.discount_amount is null', 'bad_type'),
        ('order_lines.updated_at is null', 'bad_type'),
        ('order_lines.cdc_operation is null', 'unknown_operation'),
        (lakehouse.is_future_time('order_lines.updated_at', 'order_lines._ingested_at'), 'future_date'),
        ('order_lines.unit_price < 0', 'negative_price'),
        ('order_lines.order_id is not null and known_orders.order_id is null', 'orphan_order'),
        (
            'order_lines.product_id is not null and known_products.product_id is null',
            'orphan_product',
        ),
    ], 'order_lines') }} as quarantine_reasons
from order_lines
left join known_orders
    on order_lines.order_id = known_orders.order_id
left join known_products
    on order_lines.product_id = known_products.product_id
