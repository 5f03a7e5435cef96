-- Conservation of landed records, per entity and batch: landed = quarantined + superseded
-- + applied + deletes applied + not applied (late). `unaccounted` must be 0.
-- Per entity (landed_entities()): bronze, its quarantine, its checked feed and the
-- current-state table its valid records feed (the snapshots, or int_*__current with
-- enable_scd2 off); then the per-key state below.
-- depends_on: {{ ref('bronze_customers') }}
-- depends_on: {{ ref('quarantine_customers') }}
-- depends_on: {{ ref('int_customers__checked') }}
-- depends_on: {{ ref('bronze_products') }}
-- depends_on: {{ ref('quarantine_products') }}
-- depends_on: {{ ref('int_products__checked') }}
-- depends_on: {{ ref('bronze_orders') }}
-- depends_on: {{ ref('quarantine_orders') }}
-- depends_on: {{ ref('int_orders__checked') }}
-- depends_on: {{ ref('fct_order') }}
-- depends_on: {{ ref('bronze_order_lines') }}
-- depends_on: {{ ref('quarantine_order_lines') }}
-- depends_on: {{ ref('int_order_lines__checked') }}
-- depends_on: {{ ref('fct_order_line') }}
-- depends_on: {{ ref('bronze_web_events') }}
-- depends_on: {{ ref('quarantine_web_events') }}
-- depends_on: {{ ref('int_web_events__checked') }}
-- depends_on: {{ ref('fct_web_event') }}
{% if feature_enabled('enable_scd2') -%}
-- depends_on: {{ ref('snap_customers') }}
-- depends_on: {{ ref('snap_products') }}
{% else -%}
-- depends_on: {{ ref('int_customers__current') }}
-- depends_on: {{ ref('int_products__current') }}
{% endif -%}
-- depends_on: {{ ref('int_conservation__counted_versions') }}
{{ union_per_entity(landed_entities(), record_conservation) }}
