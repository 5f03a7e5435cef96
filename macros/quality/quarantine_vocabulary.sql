{#
    Every quarantine reason the silver checks can give (docs/LANDING.md, "Data quality").
    The DQ metrics count records per reason from this list.
#}
{% macro quarantine_vocabulary() %}
    {{ return([
        'null_key', 'bad_type', 'negative_price', 'invalid_email', 'unknown_country',
        'orphan_customer', 'orphan_order', 'orphan_product', 'future_date',
    ]) }}
{% endmacro %}
