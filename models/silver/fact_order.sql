{{
    config(
        materialized='incremental',
        incremental_strategy='merge_cdc',
        unique_key='order_id',
        on_schema_change='append_new_columns',
    )
}}

-- One row per live order: its latest delivered version. Incremental: the changes since the
-- watermark (minus the lookback window) are merged on order_id; a delete removes the row.
with changes as (

    select *
    from {{ ref('int_orders__checked') }}
    where quarantine_reasons = '' and {{ watermark_filter('updated_at') }}

),

latest as (

    select *
    from changes
    qualify
        row_number() over (
            partition by order_id
            order by updated_at desc, _batch_id desc, _source_file desc
        ) = 1

)

select
    order_id,
    customer_id,
    order_status,
    channel_code,
    country_code,
    currency_code,
    payment_method,
    cdc_operation,
    _batch_id,
    _source_file,
    order_date,
    ordered_at,
    updated_at,
    _ingested_at
from latest
{% if not is_incremental() -%}
    -- A full refresh keeps live orders only; incrementally, merge_cdc applies the deletes.
    where cdc_operation != 'delete'
{%- endif %}
