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

{# A probable rename in words: "declared column `email` missing, undeclared `e_mail` present". #}
{% macro describe_probable_rename(rename) %}
    {%- set quoted = {} -%}
    {%- for side in ('dropped', 'added') -%}
        {%- set names = [] -%}
        {%- for column_name in rename[side] -%}
            {%- do names.append("`" ~ column_name ~ "`") -%}
        {%- endfor -%}
        {%- do quoted.update({side: names | join(', ')}) -%}
    {%- endfor -%}
    {{ return("probable rename: declared column " ~ quoted.dropped ~ " missing, undeclared "
        ~ quoted.added ~ " present") }}
{% endmacro %}
