-- "Sales Overview": daily revenue-bearing sales by country, channel and product category.
with sales as (

    select *
    from {{ ref('fct_sales') }}
    where is_revenue

),

daily as (

    select
        order_date as metric_date,
        country_code,
        channel_code,
        coalesce(category, 'unknown') as category,
        sum(net_amount) as revenue,
        count(distinct order_id) as orders,
        sum(quantity) as units,
        count(distinct customer_id) as customers
    from sales
    group by 1, 2, 3, 4

)

select
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
    cast(daily.revenue / daily.orders as decimal(18, 2)) as average_order_value
from daily
left join {{ ref('countries') }} as countries
    on daily.country_code = countries.country_code
left join {{ ref('channels') }} as channels
    on daily.channel_code = channels.channel_code
