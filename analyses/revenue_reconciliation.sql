-- Revenue reconciliation, per order date: the dashboards' revenue (gold
-- sales_dashboard_metrics, summed over countries) against revenue recomputed from the silver
-- facts (lines of orders that are not cancelled), beside how many order-line records landed
-- for those orders and from how many files (bronze). A non-zero revenue_difference means gold
-- is stale or wrong; landed_records well above lines_in_silver points at quarantine or CDC
-- versions (see record_conservation). Compile with `dbt compile -s revenue_reconciliation`.
with gold as (
    select
        metric_date as order_date,
        sum(revenue) as gold_revenue
    from {{ ref('sales_dashboard_metrics') }}
    group by 1
),

silver as (
    select
        orders.order_date,
        sum(order_lines.net_amount) as silver_revenue,
        count(*) as lines_in_silver
    from {{ ref('fct_order_line') }} as order_lines
    inner join {{ ref('fct_order') }} as orders
        on order_lines.order_id = orders.order_id
    where orders.order_status != 'cancelled'
    group by 1
),

landed as (
    select
        count(*) as landed_records,
        count(distinct _source_file) as landed_files
    from {{ ref('bronze_order_lines') }}
)

select
    coalesce(gold.order_date, silver.order_date) as order_date,
    gold.gold_revenue,
    silver.silver_revenue,
    silver.lines_in_silver,
    landed.landed_records,
    landed.landed_files,
    coalesce(gold.gold_revenue, 0) - coalesce(silver.silver_revenue, 0) as revenue_difference
from gold
full outer join silver
    on gold.order_date = silver.order_date
cross join landed
order by 1
