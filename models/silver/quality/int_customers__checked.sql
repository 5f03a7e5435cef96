{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Customer change feed judged: quarantine_reasons lists every check the record fails ('' for a
-- valid record). The one place customer records are judged (reasons: the registry's
-- meta.checks).
with customers as (

    select * from {{ ref('stg_landing__customers') }}
    where {{ lakehouse.ingested_since_last_run() }}

),

countries as (

    select country_code from {{ ref('countries') }}

)

select
    customers.*,
    {{ lakehouse.record_quarantine_reasons([
        ('customers.customer_id_text is null', 'null_key'),
        (lakehouse.is_bad_literal('customers.customer_id', 'customers.customer_id_text'), 'bad_type'),
        (lakehouse.is_bad_literal('customers.signup_date', 'customers.signup_date_text'), 'bad_type'),
        ('customers.updated_at is null', 'bad_type'),
        ('customers.cdc_operation is null', 'unknown_operation'),
        (lakehouse.is_future_time('customers.updated_at', 'customers._ingested_at'), 'future_date'),
        ('not coalesce(' ~ lakehouse.landing_email_is_valid('customers.email') ~ ', false)', 'invalid_email'),
        ('countries.country_code is null', 'unknown_country'),
    ], 'customers') }} as quarantine_reasons
from customers
left join countries
    on customers.country_code = countries.country_code
