-- Every delivered customer record version, typed and trimmed: the customer change feed.
-- Values that do not cast become null and are named in record_issues (quarantine).
with landed as (

    select
        *,
        try_cast(customer_id as bigint) as typed_customer_id,
        lower(trim(email)) as clean_email
    from {{ ref('bronze_customers') }}

)

select
    typed_customer_id as customer_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    clean_email as email,
    trim(phone) as phone,
    trim(street_address) as street_address,
    trim(city) as city,
    trim(postal_code) as postal_code,
    upper(trim(country_code)) as country_code,
    lower(trim(segment)) as customer_segment,
    lower(trim(op)) as cdc_operation,
    _batch_id,
    _source_file,
    {{ quarantine_reasons([
        ('typed_customer_id is null', 'null_key'),
        ("signup_date is not null and try_cast(signup_date as date) is null", 'bad_type'),
        ("try_cast(updated_at as timestamp) is null", 'bad_type'),
        ("not coalesce(" ~ regex_matches('clean_email', '^[^@ ]+@[^@ ]+[.][a-z]+$') ~ ", false)",
            'invalid_email'),
    ]) }} as record_issues,
    try_cast(signup_date as date) as signup_date,
    try_cast(updated_at as timestamp) as updated_at,
    _ingested_at
from landed
