{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['entity', 'record_key'],
        on_schema_change='fail',
    )
}}

-- Per entity and key: the version record_conservation counts, how many valid versions the
-- key has, and that version's outcome in the current-state table. Incremental on the keys
-- that received new valid records, so the reconciliation never re-ranks the whole history.
-- Per entity (landed_entities()): its checked feed and the current-state table its valid
-- records feed (the snapshots, or int_*__current with enable_scd2 off).
-- depends_on: {{ ref('int_customers__checked') }}
-- depends_on: {{ ref('int_products__checked') }}
-- depends_on: {{ ref('int_orders__checked') }}
-- depends_on: {{ ref('fct_order') }}
-- depends_on: {{ ref('int_order_lines__checked') }}
-- depends_on: {{ ref('fct_order_line') }}
-- depends_on: {{ ref('int_web_events__checked') }}
-- depends_on: {{ ref('fct_web_event') }}
{% if feature_enabled('enable_scd2') -%}
-- depends_on: {{ ref('snap_customers') }}
-- depends_on: {{ ref('snap_products') }}
{% else -%}
-- depends_on: {{ ref('int_customers__current') }}
-- depends_on: {{ ref('int_products__current') }}
{% endif -%}
{{ union_per_entity(landed_entities(), conservation_latest_versions) }}
