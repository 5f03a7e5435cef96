{{ config(materialized='view') }}

-- Current state of each customer as the source sees it: the latest delivered version,
-- gone once deleted. The SCD2 snapshot (snap_customers) records history from this.
with versions as (

    select
        cast(customer_id as bigint) as customer_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        lower(trim(email)) as email,
        trim(phone) as phone,
        trim(street_address) as street_address,
        trim(city) as city,
        trim(postal_code) as postal_code,
        upper(trim(country_code)) as country_code,
        lower(trim(segment)) as customer_segment,
        lower(trim(op)) as cdc_operation,
        _batch_id,
        _source_file,
        cast(signup_date as date) as signup_date,
        cast(updated_at as timestamp) as updated_at
    from {{ ref('bronze_customers') }}

),

latest as (

    select *
    from versions
    qualify row_number() over (
            partition by customer_id
            order by updated_at desc, _batch_id desc, _source_file desc
        ) = 1

)

select
    customer_id,
    first_name,
    last_name,
    email,
    phone,
    street_address,
    city,
    postal_code,
    country_code,
    customer_segment,
    _batch_id,
    signup_date,
    updated_at
from latest
where cdc_operation != 'delete'
