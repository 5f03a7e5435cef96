{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Product change feed judged: quarantine_reasons lists every check the record fails ('' for a
-- valid record). The one place product records are judged (reasons: the registry's meta.checks).
with products as (

    select * from {{ ref('stg_landing__products') }}
    where {{ lakehouse.ingested_since_last_run() }}

)

select
    products.*,
    {{ lakehouse.record_quarantine_reasons([
        ('products.product_id_text is null', 'null_key'),
        (lakehouse.is_bad_literal('products.product_id', 'products.product_id_text'), 'bad_type'),
        (lakehouse.is_bad_literal('products.list_price', 'products.list_price_text'), 'bad_type'),
        (lakehouse.is_bad_literal('products.unit_cost', 'products.unit_cost_text'), 'bad_type'),
        (lakehouse.is_bad_literal('products.is_active', 'products.is_active_text'), 'bad_type'),
        ('products.updated_at is null', 'bad_type'),
        ('products.cdc_operation is null', 'unknown_operation'),
        (lakehouse.is_future_time('products.updated_at', 'products._ingested_at'), 'future_date'),
        ('products.list_price < 0', 'negative_price'),
    ], 'products') }} as quarantine_reasons
from products
