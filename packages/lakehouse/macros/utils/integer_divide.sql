{#
    Integer division of two integer expressions, as a bigint truncated toward zero; NULL when
    the divisor is 0 (both engines raise on it otherwise). Operands are cast to bigint first:
    DuckDB's `//` on a DECIMAL silently divides as DOUBLE. They must already be whole numbers,
    because the casts disagree on fractions (DuckDB rounds, Databricks truncates), and within
    bigint range (both engines raise on overflow; Databricks with ANSI mode, its default).
#}
{% macro integer_divide(dividend, divisor) %}
    {{- return(adapter.dispatch('integer_divide', 'lakehouse')(dividend, divisor)) -}}
{% endmacro %}

{% macro default__integer_divide(dividend, divisor) %}
    {{- exceptions.raise_compiler_error(
        'integer_divide has no implementation for adapter ' ~ adapter.type()) -}}
{% endmacro %}

{#- -7 // 2 = -3: truncates toward zero, like Databricks' div. -#}
{% macro duckdb__integer_divide(dividend, divisor) -%}
    (cast({{ dividend }} as bigint) // nullif(cast({{ divisor }} as bigint), 0))
{%- endmacro %}

{#- -7 div 2 = -3; returns bigint. -#}
{% macro databricks__integer_divide(dividend, divisor) -%}
    (cast({{ dividend }} as bigint) div nullif(cast({{ divisor }} as bigint), 0))
{%- endmacro %}
