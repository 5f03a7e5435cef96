{{ config(materialized='metric_view') }}
{#-
    The sales metrics, defined once: a Unity Catalog metric view (YAML spec 1.1, docs "Metric
    view YAML syntax reference") that Genie, the dashboards and SQL all read with MEASURE().
    dbt-databricks' `metric_view` materialization sends this body as it renders:
    CREATE OR REPLACE VIEW ... WITH METRICS LANGUAGE YAML AS $$ ... $$. On DuckDB the project's
    `metric_view` materialization (packages/lakehouse/macros/semantic/) builds a plain view of the same YAML's data
    model instead, and lakehouse_bi.semantic.metric_view evaluates the measures on it.

    Rules for this body (both engines render it): expressions are SQL that Databricks and DuckDB
    both accept, or come from the project's dispatched macros (divide_half_up), quoted with
    yaml_string; relation names go through yaml_string too (a rendered name starts with a quote
    or a backtick, which YAML would misread). Joins use `using`: a join key that is also a
    source column stays unambiguous on both engines. Revenue lines only (`filter`), like the
    marts. The window measures (growth) are Experimental on Databricks; the feature flag
    enable_metric_view_windows leaves them out (docs/DATABRICKS.md, "Metric views").
-#}
version: 1.1
comment: >-
  Sales metrics of revenue-bearing order lines (orders not cancelled): revenue, orders, units,
  customers, average order value and growth against the previous week or month, by order
  day, week and month, country, region, channel, product category and customer segment.
  Rows are those of fct_sales the reader may see (its country row filter applies).
source: {{ lakehouse.yaml_string(ref('fct_sales')) }}
filter: is_revenue
joins:
  - name: countries
    source: {{ lakehouse.yaml_string(ref('countries')) }}
    using: [country_code]
  - name: channels
    source: {{ lakehouse.yaml_string(ref('channels')) }}
    using: [channel_code]
dimensions:
  - name: order_date
    expr: order_date
    comment: Order day (UTC calendar date of the order time).
  - name: order_week
    expr: CAST(DATE_TRUNC('WEEK', order_date) AS DATE)
    comment: Monday of the order's ISO week.
  - name: order_month
    expr: CAST(DATE_TRUNC('MONTH', order_date) AS DATE)
    comment: First day of the order's month.
  - name: country_code
    expr: country_code
    comment: ISO 3166-1 alpha-2 code of the order's country.
  - name: country_name
    expr: countries.country_name
    comment: Name of the order's country (reference seed countries).
  - name: region
    expr: countries.region
    comment: Sales region of the order's country (reference seed countries).
  - name: channel_code
    expr: channel_code
    comment: Code of the sales channel the order came through.
  - name: channel_name
    expr: channels.channel_name
    comment: Name of the sales channel (reference seed channels).
  - name: category
    expr: COALESCE(category, 'unknown')
    comment: Product category as of the order time; unknown when the line has no product version.
  - name: customer_segment
    expr: COALESCE(customer_segment, 'unknown')
    comment: Customer segment as of the order time; unknown when the order has no customer version.
measures:
  - name: revenue
    expr: SUM(net_amount)
    comment: Net amount after discounts of the revenue-bearing order lines.
  - name: orders
    expr: COUNT(DISTINCT order_id)
    comment: Distinct orders with a revenue-bearing line (exact at any grouping).
  - name: units
    expr: CAST(SUM(quantity) AS BIGINT)
    comment: Units sold on revenue-bearing lines.
  - name: customers
    expr: COUNT(DISTINCT customer_id)
    comment: Distinct customers with a revenue-bearing order (exact at any grouping).
  - name: average_order_value
    expr: {{ lakehouse.yaml_string(lakehouse.divide_half_up('MEASURE(revenue)', 'MEASURE(orders)', 2), squash=true) }}
    comment: revenue / orders, exact, rounded half-up to 2 places; null without orders.
{%- if lakehouse.feature_enabled('enable_metric_view_windows') %}
  - name: week_revenue
    expr: SUM(net_amount)
    window:
      - order: order_week
        range: current
        semiadditive: last
    comment: Revenue of the week (of the last week when grouped by something else).
  - name: previous_week_revenue
    expr: SUM(net_amount)
    window:
      - order: order_week
        range: trailing 1 week
        semiadditive: last
    comment: Revenue of the week before (null when it had none).
  - name: week_revenue_growth
    expr: {{ lakehouse.yaml_string(lakehouse.divide_half_up(
        'MEASURE(week_revenue) - MEASURE(previous_week_revenue)', 'MEASURE(previous_week_revenue)',
        4), squash=true) }}
    comment: >-
      (week_revenue - previous_week_revenue) / previous_week_revenue, exact, rounded half-up to
      4 places; null when the week before had no revenue.
  - name: month_revenue
    expr: SUM(net_amount)
    window:
      - order: order_month
        range: current
        semiadditive: last
    comment: Revenue of the month (of the last month when grouped by something else).
  - name: previous_month_revenue
    expr: SUM(net_amount)
    window:
      - order: order_month
        range: trailing 1 month
        semiadditive: last
    comment: Revenue of the month before (null when it had none).
  - name: month_revenue_growth
    expr: {{ lakehouse.yaml_string(lakehouse.divide_half_up(
        'MEASURE(month_revenue) - MEASURE(previous_month_revenue)',
        'MEASURE(previous_month_revenue)', 4), squash=true) }}
    comment: >-
      (month_revenue - previous_month_revenue) / previous_month_revenue, exact, rounded half-up
      to 4 places; null when the month before had no revenue.
{%- endif %}
