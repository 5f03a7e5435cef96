{#
    A Python value as a SQL string literal (`null` for none). Databricks string literals
    treat a backslash as an escape character; DuckDB only doubles the quote.
#}
{% macro sql_string_literal(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{ return(adapter.dispatch('sql_string_literal', 'lakehouse')(value | string)) }}
{% endmacro %}

{% macro default__sql_string_literal(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}

{% macro databricks__sql_string_literal(text) %}
    {{ return("'" ~ text | replace('\\', '\\\\') | replace("'", "\\'") ~ "'") }}
{% endmacro %}
