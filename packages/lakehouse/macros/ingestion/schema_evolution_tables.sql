{#
    Where schema evolution is recorded: tables in the observability schema of the target,
    written by the bronze models (not dbt models, so a full refresh never drops them).
    - schema_change_log: one row per detected change per landing file;
    - landing_column_types: the type family established per landing column (first seen,
      then each widening), the baseline the next files are compared with.
#}
{% macro schema_evolution_relation(table_name) %}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('observability', none) | trim,
        identifier=table_name)) }}
{% endmacro %}

{% macro schema_evolution_table_columns(table_name) %}
    {%- set string = dbt.type_string() -%}
    {%- set columns = {
        'schema_change_log': [
            ('invocation_id', string),
            ('source_table', string),
            ('model_name', string),
            ('column_name', string),
            ('change_kind', string),
            ('old_type', string),
            ('new_type', string),
            ('batch_id', string),
            ('source_file', string),
            ('schema_evolution_mode', string),
            ('action', string),
            ('detected_at', dbt.type_timestamp()),
        ],
        'landing_column_types': [
            ('source_table', string),
            ('column_name', string),
            ('data_type', string),
            ('batch_id', string),
            ('source_file', string),
            ('recorded_at', dbt.type_timestamp()),
        ],
    } -%}
    {%- if table_name not in columns -%}
        {{ exceptions.raise_compiler_error("Unknown schema evolution table " ~ table_name ~ ".") }}
    {%- endif -%}
    {{ return(columns[table_name]) }}
{% endmacro %}
