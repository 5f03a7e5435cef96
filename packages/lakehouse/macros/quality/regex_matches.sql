{#
    True when `expression` matches the regular expression `pattern` (a partial match; anchor
    with ^ and $). Write patterns both RE2 (DuckDB) and Java (Databricks) read alike; a
    backslash is written once: Databricks string literals need it doubled, done here.
#}
{% macro regex_matches(expression, pattern) %}
    {{ return(adapter.dispatch('regex_matches', 'lakehouse')(expression, pattern)) }}
{% endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro databricks__regex_matches(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern | replace("\\", "\\\\") }}')
{%- endmacro %}
