{#
    The quarantine checks each landed entity runs (vocabulary in docs/LANDING.md, "Data
    quality"). The DQ metrics report one row per check from this list, and each quarantine
    model's `quarantine_reasons_declared` test fails on a reason missing here, so a check
    added to a staging or checked model cannot go unreported.
#}
{% macro quarantine_checks() %}
    {{ return({
        'customers': ['null_key', 'bad_type', 'invalid_email', 'unknown_country'],
        'products': ['null_key', 'bad_type', 'negative_price'],
        'orders': ['null_key', 'bad_type', 'future_date', 'orphan_customer', 'unknown_country'],
        'order_lines': ['null_key', 'bad_type', 'negative_price', 'orphan_order', 'orphan_product'],
        'web_events': ['null_key', 'bad_type', 'orphan_product'],
    }) }}
{% endmacro %}
