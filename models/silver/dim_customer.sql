-- SCD2 customer dimension over the snapshot: one row per observed version.
with versions as (

    select
        *,
        -- int on both engines (DuckDB's row_number is a bigint): the contract's type.
        cast(row_number() over (
            partition by customer_id order by effective_from
        ) as int) as version_number
    from {{ ref('snap_customers') }}

)

select
    customer_sk,
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
    version_number,
    signup_date,
    {{ scd2_validity_columns() }}
from versions
