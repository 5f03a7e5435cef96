{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Order change feed with every check applied: quarantine_reasons is '' for a valid record.
-- A customer is known once any valid version of it has been delivered.
with orders as (

    select * from {{ ref('stg_landing__orders') }}
    where {{ ingested_since_last_run() }}

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
    {{ quarantine_reasons(
        [
            ('known_customers.customer_id is null', 'orphan_customer'),
            ('countries.country_code is null', 'unknown_country'),
        ],
        earlier='orders.record_issues',
    ) }} as quarantine_reasons
from orders
left join known_customers
    on orders.customer_id = known_customers.customer_id
left join countries
    on orders.country_code = countries.country_code
