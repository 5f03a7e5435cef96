-- Every delivered customer record version, renamed and typed: the customer change feed. Casts
-- follow the landing contract's literal forms (packages/lakehouse/macros/casting/): a value that is
-- not one is null here, its landed text kept (`*_text`) for int_customers__checked to judge.
-- Re-delivered files stay in bronze.
with landed as (

    select * from {{ ref('bronze_customers') }}
    where not _is_redelivered

)

select
    {{ lakehouse.landing_integer('customer_id') }} as customer_id,
    {{ lakehouse.landing_text('first_name') }} as first_name,
    {{ lakehouse.landing_text('last_name') }} as last_name,
    lower({{ lakehouse.landing_text('email') }}) as email,
    {{ lakehouse.landing_text('phone') }} as phone,
    {{ lakehouse.landing_text('street_address') }} as street_address,
    {{ lakehouse.landing_text('city') }} as city,
    {{ lakehouse.landing_text('postal_code') }} as postal_code,
    upper({{ lakehouse.landing_text('country_code') }}) as country_code,
    lower({{ lakehouse.landing_text('segment') }}) as customer_segment,
    {{ lakehouse.landing_cdc_operation('op') }} as cdc_operation,
    customer_id as customer_id_text,
    signup_date as signup_date_text,
    updated_at as updated_at_text,
    _corrupt_record,
    _batch_id,
    _source_file,
    _source_line,
    {{ lakehouse.landing_date('signup_date') }} as signup_date,
    {{ lakehouse.landing_timestamp('updated_at') }} as updated_at,
    _ingested_at
from landed
