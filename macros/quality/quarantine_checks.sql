{#
    The quarantine checks each landed entity runs (vocabulary in docs/LANDING.md, "Data
    quality"). The DQ metrics report one row per check from this list, and each quarantine
    model's `quarantine_reasons_declared` test fails on a reason missing here, so a check
    added to a checked feed cannot go unreported.
#}
{% macro quarantine_checks() %}
    {%- set cdc = ['malformed_row', 'null_key', 'bad_type', 'unknown_operation', 'future_date'] -%}
    {{ return({
        'customers': cdc + ['invalid_email', 'unknown_country'],
        'products': cdc + ['negative_price'],
        'orders': cdc + ['orphan_customer', 'unknown_country'],
        'order_lines': cdc + ['negative_price', 'orphan_order', 'orphan_product'],
        'web_events': ['malformed_row', 'null_key', 'bad_type', 'future_date', 'orphan_product'],
    }) }}
{% endmacro %}
