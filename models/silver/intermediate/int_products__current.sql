{{ config(materialized='view') }}

-- Current state of each product: the latest valid delivered version, a delete included
-- (cdc_operation = 'delete'), so the SCD2 snapshot (snap_products) closes the last live
-- version at the source's delete time. Ties of change time go to the later delivery.
with latest as (

    select
        *,
        -- Earlier deliveries with the same change time: a correction sent with an unchanged
        -- updated_at still becomes a new SCD2 version (see version_at).
        count(*) over (partition by product_id, updated_at) - 1 as earlier_same_time_versions
    from {{ ref('int_products__checked') }}
    where quarantine_reasons = ''
    qualify
        row_number() over (
            partition by product_id
            order by {{ lakehouse.latest_version_first() }}
        ) = 1

)

select
    product_id,
    product_name,
    category,
    subcategory,
    brand,
    cdc_operation,
    _batch_id,
    list_price,
    unit_cost,
    is_active,
    updated_at,
    -- The snapshot's version time (config updated_at): the change time, plus a microsecond per
    -- earlier delivery with the same change time, so the later delivery is a newer version.
    {{ dbt.dateadd('microsecond', 'earlier_same_time_versions', 'updated_at') }} as version_at
from latest
