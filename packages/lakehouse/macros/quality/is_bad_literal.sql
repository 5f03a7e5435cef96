{# Check condition: a landed value that is present but not the literal form of its type. #}
{% macro is_bad_literal(typed_column, text_column) -%}
    ({{ text_column }} is not null and {{ typed_column }} is null)
{%- endmacro %}
