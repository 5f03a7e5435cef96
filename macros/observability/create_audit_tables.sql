{#
    on-run-start hook: create the audit schema and tables if they do not exist yet, so the
    audit models can select from them in the very first invocation. Idempotent; never
    drops or alters, so audit history survives full refreshes.
#}
{% macro create_audit_tables() %}
    {%- if not execute or not var('audit_enabled', true) -%}
        {{ return('') }}
    {%- endif -%}
    {%- for table_name in ['dbt_invocation_log', 'dbt_relation_row_counts'] -%}
        {%- set relation = audit_relation(table_name) -%}
        {%- if loop.first -%}
            {%- do adapter.create_schema(relation) -%}
        {%- endif -%}
        {%- set ddl -%}
            create table if not exists {{ relation }} (
                {%- for name, data_type in audit_table_columns(table_name) %}
                {{ name }} {{ data_type }}{{ "," if not loop.last }}
                {%- endfor %}
            )
        {%- endset -%}
        {%- do run_query(ddl) -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}
