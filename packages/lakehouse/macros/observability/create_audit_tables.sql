{#
    on-run-start hook: create the audit schema and tables if they do not exist yet, so the
    audit models can select from them in the very first invocation. Idempotent; never
    drops or alters, so audit history survives full refreshes.
#}
{% macro create_audit_tables() %}
    {%- if execute and var('audit_enabled', true) -%}
        {%- set tables = [] -%}
        {%- for table_name in ['dbt_invocation_log', 'dbt_relation_row_counts'] -%}
            {%- do tables.append((lakehouse.audit_relation(table_name), lakehouse.audit_table_columns(table_name))) -%}
        {%- endfor -%}
        {%- do lakehouse.create_tables_if_missing(tables) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
