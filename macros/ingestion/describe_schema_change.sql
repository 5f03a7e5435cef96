{# One change in words, for log lines and errors: "column `x` type changed from a to b". #}
{% macro describe_schema_change(change) %}
    {%- set column = "column `" ~ change.column_name ~ "` " -%}
    {%- if change.change_kind == 'column_added' -%}
        {{ return(column ~ "added (" ~ change.new_type ~ "), not declared") }}
    {%- elif change.change_kind == 'column_dropped' -%}
        {{ return(column ~ "dropped: expected but missing from the file") }}
    {%- endif -%}
    {{ return(column ~ "type " ~ change.change_kind | replace('type_', '') ~ " from "
        ~ (change.old_type or 'unknown') ~ " to " ~ change.new_type) }}
{% endmacro %}
