-- SCD2 customer dimension over the snapshot: one row per observed version.
-- Feature flag enable_scd2 off: no snapshot; one current row per customer (type 1) whose
-- validity is open, so as-of joins in gold still find exactly one row.
with versions as (

    {% if lakehouse.feature_enabled('enable_scd2') %}
        select
            *,
            -- int on both engines (DuckDB's row_number is a bigint): the contract's type.
            cast(row_number() over (
                partition by customer_id order by effective_from
            ) as int) as version_number
        from {{ ref('snap_customers') }}
    {% else %}
        select
            *,
            {{ dbt_utils.generate_surrogate_key(['customer_id']) }} as customer_sk,
            version_at as effective_from,
            cast(null as timestamp) as effective_to,
            false as is_hard_deleted,
            cast(1 as int) as version_number
        from {{ ref('int_customers__current') }}
    {% endif %}

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
    {{ lakehouse.scd2_validity_columns() }}
from versions
