{{ config(materialized='view') }}

-- Current state of each customer as the source sees it: the latest delivered version,
-- a delete included (cdc_operation = 'delete'), so the SCD2 snapshot (snap_customers) closes
-- the last live version at the source's delete time.
with latest as (

    select *
    from {{ ref('int_customers__checked') }}
    where quarantine_reasons = ''
    qualify
        row_number() over (
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
    cdc_operation,
    _batch_id,
    signup_date,
    updated_at
from latest
