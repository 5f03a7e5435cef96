-- Every delivered customer record version, typed and trimmed: the customer change feed.
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
    cast(updated_at as timestamp) as updated_at,
    _ingested_at
from {{ ref('bronze_customers') }}
