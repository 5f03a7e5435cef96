{#
    A landed value as the contract reads it: surrounding spaces dropped, and an empty value
    (a CSV empty field, a JSON "") is null. Every landing_* cast starts from this.
#}
{% macro landing_text(value) -%}
    nullif(trim({{ value }}), '')
{%- endmacro %}
