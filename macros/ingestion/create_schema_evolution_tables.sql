{#
    Creates the schema evolution tables if they do not exist (on-run-start, so parallel
    bronze models never race to create them). Idempotent; never drops or alters: the log
    outlives full refreshes.
#}
{% macro create_schema_evolution_tables() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- for table_name in ['schema_change_log', 'landing_column_types'] -%}
        {%- set relation = schema_evolution_relation(table_name) -%}
        {%- if loop.first -%}
            {%- do adapter.create_schema(relation) -%}
        {%- endif -%}
        {%- set ddl -%}
            create table if not exists {{ relation }} (
                {%- for name, data_type in schema_evolution_table_columns(table_name) %}
                {{ name }} {{ data_type }}{{ "," if not loop.last }}
                {%- endfor %}
            )
        {%- endset -%}
        {%- do run_query(ddl) -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}
