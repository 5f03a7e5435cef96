{#
    The landed entities, for the per-entity models (conservation, DQ metrics): the key, the
    columns dating and typing a change, the order that puts a key's counted version first
    (the latest change for CDC feeds; the first delivery for append-only events), and the
    current-state relation its valid records feed (the DQ metrics' table_name) with the
    filter selecting its live rows (the SCD2 snapshots; with the feature flag enable_scd2 off,
    the int_<entity>__current views, whose rows are each key's latest version). Models follow the naming bronze_<entity>,
    int_<entity>__checked, quarantine_<entity>.
#}
{% macro landed_entities() %}
    {%- set cdc_order = latest_version_first() -%}
    {%- set live_versions = "effective_to is null and cdc_operation != 'delete'"
        ~ " and not coalesce(cast(is_hard_deleted as boolean), false)" -%}
    {%- set scd2 = feature_enabled('enable_scd2') -%}
    {%- set master_filter = live_versions if scd2 else "cdc_operation != 'delete'" -%}
    {{ return([
        {'entity': 'orders', 'key': 'order_id', 'updated_at': 'updated_at',
         'operation': 'cdc_operation', 'counted_first': cdc_order,
         'current': 'fct_order', 'current_filter': 'true'},
        {'entity': 'order_lines', 'key': 'order_line_id', 'updated_at': 'updated_at',
         'operation': 'cdc_operation', 'counted_first': cdc_order,
         'current': 'fct_order_line', 'current_filter': 'true'},
        {'entity': 'web_events', 'key': 'event_id', 'updated_at': 'event_at',
         'operation': "'insert'", 'counted_first': first_delivery_first(),
         'current': 'fct_web_event', 'current_filter': 'true'},
        {'entity': 'customers', 'key': 'customer_id', 'updated_at': 'updated_at',
         'operation': 'cdc_operation', 'counted_first': cdc_order,
         'current': 'snap_customers' if scd2 else 'int_customers__current',
         'current_filter': master_filter},
        {'entity': 'products', 'key': 'product_id', 'updated_at': 'updated_at',
         'operation': 'cdc_operation', 'counted_first': cdc_order,
         'current': 'snap_products' if scd2 else 'int_products__current',
         'current_filter': master_filter},
    ]) }}
{% endmacro %}
