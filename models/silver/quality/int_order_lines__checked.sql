{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Order line change feed with every check applied: quarantine_reasons is '' when valid.
-- An order or product is known once any valid version of it has been delivered.
with order_lines as (

    select * from {{ ref('stg_landing__order_lines') }}
    where {{ ingested_since_last_run() }}

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
    {{ quarantine_reasons(
        [
            ('order_lines.order_id is not null and known_orders.order_id is null', 'orphan_order'),
            (
                'order_lines.product_id is not null and known_products.product_id is null',
                'orphan_product',
            ),
        ],
        earlier='order_lines.record_issues',
    ) }} as quarantine_reasons
from order_lines
left join known_orders
    on order_lines.order_id = known_orders.order_id
left join known_products
    on order_lines.product_id = known_products.product_id
