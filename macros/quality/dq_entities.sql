{#
    The landed entities the DQ metrics report on: the silver table their valid records feed
    and the column that dates a record. Models, quarantines and checked feeds follow the
    naming bronze_<entity>, int_<entity>__checked, quarantine_<entity>.
#}
{% macro dq_entities() %}
    {{ return([
        {'entity': 'customers', 'table_name': 'snap_customers', 'event_time': 'updated_at'},
        {'entity': 'products', 'table_name': 'snap_products', 'event_time': 'updated_at'},
        {'entity': 'orders', 'table_name': 'fact_order', 'event_time': 'updated_at'},
        {'entity': 'order_lines', 'table_name': 'fact_order_line', 'event_time': 'updated_at'},
        {'entity': 'web_events', 'table_name': 'fact_web_event', 'event_time': 'event_at'},
    ]) }}
{% endmacro %}
