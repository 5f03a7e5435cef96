{{ config(materialized='view') }}

-- "Executive Summary": totals per week and per month, with growth against the previous period.
-- A view over fct_sales: a few hundred rows, so nothing to maintain between runs (no
-- recompute window, no build cost; docs/ARCHITECTURE.md, "Incremental cost"). No country
-- column, so no row filter of its own: on Databricks every reader gets it through fct_sales'
-- row filter, the totals of their countries (docs/GOVERNANCE.md). Keep it a view: as a table
-- it would hand every reader every country's totals (`lakehouse-bi validate` rejects that).
{%- set grains = ['week', 'month'] %}

with sales as (

    select *
    from {{ ref('fct_sales') }}
    where is_revenue

),

{% for grain in grains %}
    by_{{ grain }} as (

        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'order_date') }} as date) as period_start,
            sum(net_amount) as revenue,
            count(distinct order_id) as orders,
            -- bigint on both engines (DuckDB sums an int as a hugeint).
            cast(sum(quantity) as bigint) as units,
            count(distinct customer_id) as customers,
            max(_ingested_at) as _ingested_at
        from sales
        group by 1, 2

    ),

{% endfor %}
periods as (

    {% for grain in grains -%}
        select * from by_{{ grain }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

with_previous as (

    select
        *,
        lag(revenue) over (partition by period_grain order by period_start) as previous_revenue,
        lag(orders) over (partition by period_grain order by period_start) as previous_orders,
        lag(customers) over (
            partition by period_grain order by period_start
        ) as previous_customers
    from periods

)

select
    period_grain,
    period_start,
    orders,
    units,
    customers,
    previous_orders,
    previous_customers,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(previous_revenue as decimal(18, 2)) as previous_revenue,
    -- Exact and half-up on both engines (packages/lakehouse/macros/utils/divide_half_up.sql), not
    -- DOUBLE; a previous period of 0 gives NULL growth.
    cast({{ lakehouse.divide_half_up('revenue', 'orders', 2) }} as decimal(18, 2))
        as average_order_value,
    cast(
        {{ lakehouse.divide_half_up('revenue - previous_revenue', 'previous_revenue', 4) }}
        as decimal(9, 4)
    ) as revenue_growth_rate,
    cast(
        {{ lakehouse.divide_half_up(
            'orders - previous_orders', 'previous_orders', 4, operand_scale=0) }}
        as decimal(9, 4)
    ) as orders_growth_rate,
    cast(
        {{ lakehouse.divide_half_up(
            'customers - previous_customers', 'previous_customers', 4, operand_scale=0) }}
        as decimal(9, 4)
    ) as customers_growth_rate,
    _ingested_at
from with_previous
