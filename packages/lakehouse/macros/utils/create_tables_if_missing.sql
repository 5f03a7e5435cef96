{#
    Creates each table (relation, [(column, type), ...]) that does not exist yet, and the
    schema of the first. For the logs hooks write (audit, schema evolution): idempotent,
    never drops or alters, so their history outlives full refreshes.
#}
{% macro create_tables_if_missing(tables) %}
    {%- for relation, columns in tables -%}
        {%- if loop.first -%}
            {%- do adapter.create_schema(relation) -%}
        {%- endif -%}
        {%- set ddl -%}
            create table if not exists {{ relation }} (
                {%- for name, data_type in columns %}
                {{ name }} {{ data_type }}{{ "," if not loop.last }}
                {%- endfor %}
            )
        {%- endset -%}
        {%- do run_query(ddl) -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{% endmacro %}
