-- SCD2 product dimension over the snapshot: one row per observed version.
with versions as (

    select
        *,
        -- int on both engines (DuckDB's row_number is a bigint): the contract's type.
        cast(row_number() over (
            partition by product_id order by effective_from
        ) as int) as version_number
    from {{ ref('snap_products') }}

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
    {{ scd2_validity_columns() }}
from versions
