-- Top 20 customers by revenue over the last 90 days, with their current segment and country
-- (no PII: ids only, names and e-mail stay masked in dim_customer). Compile with
-- `dbt compile -s top_customers`.
with recent_sales as (
    select
        customer_id,
        net_amount,
        order_id
    from {{ ref('fct_sales') }}
    where
        is_revenue
        and order_date >= {{ dbt.dateadd('day', -90, dbt.current_timestamp()) }}
),

current_customers as (
    select
        customer_id,
        customer_segment,
        country_code
    from {{ ref('dim_customer') }}
    where is_current
)

select
    recent_sales.customer_id,
    current_customers.customer_segment,
    current_customers.country_code,
    sum(recent_sales.net_amount) as revenue,
    count(distinct recent_sales.order_id) as orders
from recent_sales
left join current_customers
    on recent_sales.customer_id = current_customers.customer_id
group by 1, 2, 3
order by 4 desc
limit 20
