-- Sales lines with today's customer attributes (SCD1 overlay) next to the as-of ones. A table
-- rebuilt on every run after dim_customer (so as current as the dimension), not a view: it
-- holds per-country rows for analysts, and Unity Catalog filters rows of tables only, so it
-- carries its own country row filter (YAML config; docs/GOVERNANCE.md).
select
    sales.*,
    current_customer.country_code as current_customer_country_code,
    current_customer.customer_segment as current_customer_segment,
    current_customer.is_current is not null as is_customer_live
from {{ ref('fct_sales') }} as sales
left join {{ ref('dim_customer') }} as current_customer
    on
        sales.customer_id = current_customer.customer_id
        and current_customer.is_current
