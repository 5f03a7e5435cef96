-- SCD2 product dimension over the snapshot: one row per observed version.
-- Feature flag enable_scd2 off: no snapshot; one current row per product (type 1) whose
-- validity is open, so as-of joins in gold still find exactly one row.
with versions as (

    {% if lakehouse.feature_enabled('enable_scd2') %}
        select
            *,
            -- int on both engines (DuckDB's row_number is a bigint): the contract's type.
            cast(row_number() over (
                partition by product_id order by effective_from
            ) as int) as version_number
        from {{ ref('snap_products') }}
    {% else %}
        select
            *,
            {{ dbt_utils.generate_surrogate_key(['product_id']) }} as product_sk,
            version_at as effective_from,
            cast(null as timestamp) as effective_to,
            false as is_hard_deleted,
            cast(1 as int) as version_number
        from {{ ref('int_products__current') }}
    {% endif %}

)

select
    product_sk,
    product_id,
    product_name,
    category,
    subcategory,
    brand,
    version_number,
    list_price,
    unit_cost,
    is_active,
    {{ lakehouse.scd2_validity_columns() }}
from versions
