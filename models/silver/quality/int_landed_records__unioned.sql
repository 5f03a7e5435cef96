{{ config(materialized='view') }}

-- Every landed entity's records at each stage (landed, checked, quarantined, current), in
-- one shape: what record conservation, the DQ metrics and the late-change reconciliation
-- count. One block per entity of the registry (models/bronze/landing/_landing__sources.yml):
-- its bronze model, checked feed, quarantine and current-state relation.
{{ lakehouse.check_entity_records_cover_registry() }}
{%- set scd2 = lakehouse.feature_enabled('enable_scd2') %}

{{ lakehouse.entity_records(
    ref('bronze_customers'),
    ref('int_customers__checked'),
    ref('quarantine_customers'),
    ref('snap_customers') if scd2 else ref('int_customers__current'),
) }}

union all

{{ lakehouse.entity_records(
    ref('bronze_products'),
    ref('int_products__checked'),
    ref('quarantine_products'),
    ref('snap_products') if scd2 else ref('int_products__current'),
) }}

union all

{{ lakehouse.entity_records(
    ref('bronze_orders'),
    ref('int_orders__checked'),
    ref('quarantine_orders'),
    ref('fct_order'),
) }}

union all

{{ lakehouse.entity_records(
    ref('bronze_order_lines'),
    ref('int_order_lines__checked'),
    ref('quarantine_order_lines'),
    ref('fct_order_line'),
) }}

union all

{{ lakehouse.entity_records(
    ref('bronze_web_events'),
    ref('int_web_events__checked'),
    ref('quarantine_web_events'),
    ref('fct_web_event'),
) }}
