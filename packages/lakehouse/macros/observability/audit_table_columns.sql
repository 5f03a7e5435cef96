{#
    Columns of the tables the audit hooks write, in order, with cross-database types. One
    definition for the DDL (create_audit_tables) and the inserts (record_dbt_invocation).
#}
{% macro audit_table_columns(table_name) %}
    {%- set string = dbt.type_string() -%}
    {%- set columns = {
        'dbt_invocation_log': [
            ('invocation_id', string),
            ('command', string),
            ('invocation_command', string),
            ('selected', string),
            ('excluded', string),
            ('selector', string),
            ('nodes_run', string),
            ('status', string),
            ('actor', string),
            ('actor_source', string),
            ('warehouse_user', string),
            ('reason', string),
            ('target_name', string),
            ('adapter_type', string),
            ('target_database', string),
            ('target_schema', string),
            ('git_commit', string),
            ('dbt_version', string),
            ('nodes_total', dbt.type_int()),
            ('nodes_error', dbt.type_int()),
            ('nodes_warn', dbt.type_int()),
            ('nodes_skipped', dbt.type_int()),
            ('is_full_refresh', dbt.type_boolean()),
            ('run_started_at', dbt.type_timestamp()),
            ('run_ended_at', dbt.type_timestamp()),
        ],
        'dbt_relation_row_counts': [
            ('invocation_id', string),
            ('unique_id', string),
            ('relation_name', string),
            ('row_count', dbt.type_bigint()),
            ('counted_at', dbt.type_timestamp()),
        ],
    } -%}
    {%- if table_name not in columns -%}
        {{ exceptions.raise_compiler_error("Unknown audit table " ~ table_name ~ ".") }}
    {%- endif -%}
    {{ return(columns[table_name]) }}
{% endmacro %}
