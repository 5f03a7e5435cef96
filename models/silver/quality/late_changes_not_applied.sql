{{ config(materialized='view') }}

-- Reconciliation of the facts against their change feeds: valid changes the facts do not
-- hold. Empty by construction (the facts re-decide every key that receives a record,
-- however late); a row is a defect, and `dbt build --full-refresh -s fct_order+
-- fct_order_line+ fct_web_event+` repairs it.
with orders as (

    {{ unapplied_cdc_changes('orders', ref('int_orders__checked'), ref('fct_order'), 'order_id') }}

),

order_lines as (

    {{ unapplied_cdc_changes(
        'order_lines', ref('int_order_lines__checked'), ref('fct_order_line'), 'order_line_id'
    ) }}

),

web_events as (

    select
        'web_events' as entity,
        delivered.event_id as record_id,
        'insert' as cdc_operation,
        delivered._batch_id,
        delivered.event_at as updated_at,
        cast(null as timestamp) as applied_updated_at
    from {{ ref('int_web_events__checked') }} as delivered
    where
        delivered.quarantine_reasons = ''
        and not exists (
            select loaded.event_id from {{ ref('fct_web_event') }} as loaded
            where loaded.event_id = delivered.event_id
        )
    -- One row per missing event (its first delivery), as for the CDC entities.
    qualify
        row_number() over (
            partition by delivered.event_id order by {{ first_delivery_first() }}
        ) = 1

)

select * from orders
union all
select * from order_lines
union all
select * from web_events
