{#
    Appends the detected changes to schema_change_log and the newly established column
    types to landing_column_types, committed at once so a change that fails the run is
    recorded too. Only `run` / `build` / `retry` record (compiling a model is no event);
    their on-run-start hook has created the tables.
#}
{% macro record_schema_changes(entity, changes, established_types) %}
    {%- if invocation_args_dict.get('which') not in ('run', 'build', 'retry')
        or not (changes or established_types) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set now = modules.datetime.datetime.now(modules.pytz.utc) -%}
    {%- set now_literal = "cast('" ~ now.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as "
        ~ dbt.type_timestamp() ~ ")" -%}
    {%- set source_table = lakehouse.sql_string_literal('landing.' ~ entity.name) -%}
    {%- set change_rows = [] -%}
    {%- for change in changes -%}
        {%- do change_rows.append([
            lakehouse.sql_string_literal(invocation_id), source_table, lakehouse.sql_string_literal(model.name),
            lakehouse.sql_string_literal(change.column_name), lakehouse.sql_string_literal(change.change_kind),
            lakehouse.sql_string_literal(change.old_type), lakehouse.sql_string_literal(change.new_type),
            lakehouse.sql_string_literal(change.batch_id), lakehouse.sql_string_literal(change.source_file),
            lakehouse.sql_string_literal(entity.schema_evolution), lakehouse.sql_string_literal(change.action),
            now_literal,
        ]) -%}
    {%- endfor -%}
    {%- set type_rows = [] -%}
    {%- for established in established_types -%}
        {%- do type_rows.append([
            source_table, lakehouse.sql_string_literal(established.column_name),
            lakehouse.sql_string_literal(established.data_type), lakehouse.sql_string_literal(established.batch_id),
            lakehouse.sql_string_literal(established.source_file), now_literal,
        ]) -%}
    {%- endfor -%}
    {%- for table_name, rows in [('schema_change_log', change_rows), ('landing_column_types', type_rows)] -%}
        {%- do lakehouse.insert_rows(
            lakehouse.schema_evolution_relation(table_name),
            lakehouse.schema_evolution_table_columns(table_name) | map('first') | list,
            rows,
        ) -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{% endmacro %}
