{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Customer change feed with every check applied: quarantine_reasons is '' for a valid record.
with customers as (

    select * from {{ ref('stg_landing__customers') }}
    where {{ ingested_since_last_run() }}

),

countries as (

    select country_code from {{ ref('countries') }}

)

select
    customers.*,
    {{ quarantine_reasons(
        [('countries.country_code is null', 'unknown_country')],
        earlier='customers.record_issues',
    ) }} as quarantine_reasons
from customers
left join countries
    on customers.country_code = countries.country_code
