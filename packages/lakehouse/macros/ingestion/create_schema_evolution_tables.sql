{#
    Creates the schema evolution tables if they do not exist (on-run-start, so parallel
    bronze models never race to create them). Idempotent; never drops or alters: the log
    outlives full refreshes.
#}
{% macro create_schema_evolution_tables() %}
    {%- if execute -%}
        {%- set tables = [] -%}
        {%- for table_name in ['schema_change_log', 'landing_column_types'] -%}
            {%- do tables.append((
                lakehouse.schema_evolution_relation(table_name), lakehouse.schema_evolution_table_columns(table_name)
            )) -%}
        {%- endfor -%}
        {%- do lakehouse.create_tables_if_missing(tables) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
