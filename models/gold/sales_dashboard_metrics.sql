{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        recompute_window_column='metric_date',
        on_schema_change='append_new_columns',
    )
}}

-- "Sales Overview": daily revenue-bearing sales by country, channel and product category.
-- Incremental runs recompute the days touched by the changes that arrived since this table's
-- last run in the change feeds that move it (meta.recomputes in the registry).
with sales as (

    select *
    from {{ ref('fct_sales') }}
    where
        is_revenue
        and {{ recompute_window_predicate('order_date', changed_by=[
            ref('int_orders__checked'),
            ref('int_order_lines__checked'),
        ]) }}

),

daily as (

    select
        order_date as metric_date,
        country_code,
        channel_code,
        coalesce(category, 'unknown') as category,
        sum(net_amount) as revenue,
        count(distinct order_id) as orders,
        -- bigint on both engines (DuckDB sums an int as a hugeint).
        cast(sum(quantity) as bigint) as units,
        count(distinct customer_id) as customers,
        max(_ingested_at) as _ingested_at
    from sales
    group by 1, 2, 3, 4

)

-- Databricks broadcasts the reference seeds (a few rows) to the daily aggregates.
select{{ lakehouse.broadcast_hint('countries, channels') }}  -- noqa: LT02
    daily.metric_date,
    daily.country_code,
    countries.country_name,
    countries.region,
    daily.channel_code,
    channels.channel_name,
    daily.category,
    daily.orders,
    daily.units,
    daily.customers,
    cast(daily.revenue as decimal(18, 2)) as revenue,
    -- Exact and half-up on both engines (packages/lakehouse/macros/utils/divide_half_up.sql), not
    -- DOUBLE.
    cast({{ lakehouse.divide_half_up('daily.revenue', 'daily.orders', 2) }} as decimal(18, 2))
        as average_order_value,
    daily._ingested_at
from daily
left join {{ ref('countries') }} as countries
    on daily.country_code = countries.country_code
left join {{ ref('channels') }} as channels
    on daily.channel_code = channels.channel_code
