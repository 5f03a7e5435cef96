{#
    Every name that travels from YAML or vars into governance SQL (columns, functions, roles,
    groups, tag keys and values, schemas) passes through here first: a plain identifier is
    safe inside a quoted identifier and inside a single-quoted literal, anything else stops
    the run with the file and key it came from.
#}
{% macro governance_plain_identifier(value, where) %}
    {%- if value is string and modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', value) -%}
        {{ return(value) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        where ~ ": " ~ (value | string | tojson) ~ " is not a plain SQL identifier "
        ~ "(letters, digits and underscores, not starting with a digit)."
    ) }}
{% endmacro %}
