{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Order change feed judged: quarantine_reasons lists every check the record fails ('' for a
-- valid record). The one place order records are judged (reasons: the registry's meta.checks). A
-- customer is known once any valid version of it has been delivered.
with orders as (

    select * from {{ ref('stg_landing__orders') }}
    where {{ lakehouse.ingested_since_last_run() }}

),

known_customers as (

    select distinct customer_id
    from {{ ref('int_customers__checked') }}
    where quarantine_reasons = ''

),

countries as (

    select country_code from {{ ref('countries') }}

)

select
    orders.*,
    {{ lakehouse.record_quarantine_reasons([
        ('orders.order_id_text is null', 'null_key'),
        (lakehouse.is_bad_literal('orders.order_id', 'orders.order_id_text'), 'bad_type'),
        (lakehouse.is_bad_literal('orders.customer_id', 'orders.customer_id_text'), 'bad_type'),
        ('orders.ordered_at is null', 'bad_type'),
        ('orders.updated_at is null', 'bad_type'),
        ('orders.cdc_operation is null', 'unknown_operation'),
        (lakehouse.is_future_time('orders.updated_at', 'orders._ingested_at'), 'future_date'),
        (lakehouse.is_future_time('orders.ordered_at', 'orders._ingested_at'), 'future_date'),
        (lakehouse.is_future_time('orders.ordered_at', 'orders.updated_at'), 'future_date'),
        ('known_customers.customer_id is null', 'orphan_customer'),
        ('countries.country_code is null', 'unknown_country'),
    ], 'orders') }} as quarantine_reasons
from orders
left join known_customers
    on orders.customer_id = known_customers.customer_id
left join countries
    on orders.country_code = countries.country_code
