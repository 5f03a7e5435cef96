-- Conservation of landed records, per entity and batch: landed = quarantined + superseded
-- + applied + deletes applied + not applied (late). `unaccounted` must be 0.
{%- set cdc_order = 'updated_at desc, _batch_id desc, _source_file desc' %}

with orders as (

    {{ record_conservation(
        'orders', ref('bronze_orders'), ref('quarantine_orders'), ref('int_orders__checked'),
        "select order_id as record_key, _batch_id, updated_at from " ~ ref('fact_order'),
        'order_id', cdc_order,
    ) }}

),

order_lines as (

    {{ record_conservation(
        'order_lines', ref('bronze_order_lines'), ref('quarantine_order_lines'),
        ref('int_order_lines__checked'),
        "select order_line_id as record_key, _batch_id, updated_at from "
        ~ ref('fact_order_line'),
        'order_line_id', cdc_order,
    ) }}

),

web_events as (

    {{ record_conservation(
        'web_events', ref('bronze_web_events'), ref('quarantine_web_events'),
        ref('int_web_events__checked'),
        "select event_id as record_key, _batch_id, event_at as updated_at from "
        ~ ref('fact_web_event'),
        'event_id', '_batch_id, _source_file', updated_at='event_at', operation="'insert'",
    ) }}

),

customers as (

    {{ record_conservation(
        'customers', ref('bronze_customers'), ref('quarantine_customers'),
        ref('int_customers__checked'),
        "select customer_id as record_key, _batch_id, updated_at from "
        ~ ref('snap_customers')
        ~ " where effective_to is null and cdc_operation != 'delete'"
        ~ " and not coalesce(cast(is_hard_deleted as boolean), false)",
        'customer_id', cdc_order,
    ) }}

),

products as (

    {{ record_conservation(
        'products', ref('bronze_products'), ref('quarantine_products'),
        ref('int_products__checked'),
        "select product_id as record_key, _batch_id, updated_at from "
        ~ ref('snap_products')
        ~ " where effective_to is null and cdc_operation != 'delete'"
        ~ " and not coalesce(cast(is_hard_deleted as boolean), false)",
        'product_id', cdc_order,
    ) }}

)

select * from orders
union all
select * from order_lines
union all
select * from web_events
union all
select * from customers
union all
select * from products
