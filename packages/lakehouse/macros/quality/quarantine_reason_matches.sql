{# True when the comma-separated `reasons` list holds `reason` (a whole item, not a prefix). #}
{% macro quarantine_reason_matches(reasons, reason) -%}
    ',' || {{ reasons }} || ',' like '%,' || {{ reason }} || ',%'
{%- endmacro %}
