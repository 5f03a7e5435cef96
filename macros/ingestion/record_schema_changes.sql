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
    {%- set source_table = sql_string_literal('landing.' ~ entity.name) -%}
    {%- if changes -%}
        {%- set columns = schema_evolution_table_columns('schema_change_log') | map('first') -%}
        {%- set insert -%}
            insert into {{ schema_evolution_relation('schema_change_log') }} (
                {{ columns | join(', ') }}
            )
            values
            {%- for change in changes %}
                (
                    {{ sql_string_literal(invocation_id) }},
                    {{ source_table }},
                    {{ sql_string_literal(model.name) }},
                    {{ sql_string_literal(change.column_name) }},
                    {{ sql_string_literal(change.change_kind) }},
                    {{ sql_string_literal(change.old_type) }},
                    {{ sql_string_literal(change.new_type) }},
                    {{ sql_string_literal(change.batch_id) }},
                    {{ sql_string_literal(change.source_file) }},
                    {{ sql_string_literal(entity.schema_evolution) }},
                    {{ sql_string_literal(change.action) }},
                    {{ now_literal }}
                ){{ "," if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do run_query(insert) -%}
    {%- endif -%}
    {%- if established_types -%}
        {%- set columns = schema_evolution_table_columns('landing_column_types') | map('first') -%}
        {%- set insert -%}
            insert into {{ schema_evolution_relation('landing_column_types') }} (
                {{ columns | join(', ') }}
            )
            values
            {%- for established in established_types %}
                (
                    {{ source_table }},
                    {{ sql_string_literal(established.column_name) }},
                    {{ sql_string_literal(established.data_type) }},
                    {{ sql_string_literal(established.batch_id) }},
                    {{ sql_string_literal(established.source_file) }},
                    {{ now_literal }}
                ){{ "," if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do run_query(insert) -%}
    {%- endif -%}
    {%- do adapter.commit() -%}
{% endmacro %}
