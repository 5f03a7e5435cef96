{#
    Appends rows to a table in one insert statement. `rows` are lists of SQL expressions
    (literals), in the order of `columns`. Nothing runs for no rows.
#}
{% macro insert_rows(relation, columns, rows) %}
    {%- if not rows -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set insert -%}
        insert into {{ relation }} ({{ columns | join(', ') }})
        values
        {%- for row in rows %}
            ({{ row | join(', ') }}){{ "," if not loop.last }}
        {%- endfor %}
    {%- endset -%}
    {%- do run_query(insert) -%}
{% endmacro %}
