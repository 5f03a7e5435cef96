{#
    on-run-end hook: one row per dbt invocation in audit.dbt_invocation_log -- who (actor from
    the environment, warehouse identity), what (command, selection, nodes run), when (start,
    end), where (target, catalog, schema, git commit), why (var `reason`) and the outcome --
    then the row counts of the relations it built.
#}
{% macro record_dbt_invocation() %}
    {%- if not execute or not var('audit_enabled', true) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = lakehouse.audit_relation('dbt_invocation_log') -%}
    {%- set who = lakehouse.audit_actor() -%}
    {%- set statuses = results | map(attribute='status') | map('string') | map('lower') | list -%}
    {%- set executed = results
        | map(attribute='node')
        | selectattr('resource_type', 'in', ['model', 'seed', 'snapshot'])
        | map(attribute='unique_id')
        | list -%}
    {%- set values = {
        'invocation_id': lakehouse.sql_string_literal(invocation_id),
        'command': lakehouse.sql_string_literal(invocation_args_dict.get('which')),
        'invocation_command': lakehouse.sql_string_literal(invocation_args_dict.get('invocation_command')),
        'selected': lakehouse.sql_string_literal(tojson(invocation_args_dict.get('select') or [])),
        'excluded': lakehouse.sql_string_literal(tojson(invocation_args_dict.get('exclude') or [])),
        'selector': lakehouse.sql_string_literal(invocation_args_dict.get('selector')),
        'nodes_run': lakehouse.sql_string_literal(tojson(executed | sort)),
        'status': lakehouse.sql_string_literal(lakehouse.audit_invocation_status(results)),
        'actor': lakehouse.sql_string_literal(who.actor),
        'actor_source': lakehouse.sql_string_literal(who.actor_source),
        'warehouse_user': lakehouse.audit_warehouse_user(),
        'reason': lakehouse.sql_string_literal(var('reason', none) or none),
        'target_name': lakehouse.sql_string_literal(target.name),
        'adapter_type': lakehouse.sql_string_literal(target.type),
        'target_database': lakehouse.sql_string_literal(target.database),
        'target_schema': lakehouse.sql_string_literal(target.schema),
        'git_commit': lakehouse.sql_string_literal(
            env_var('LAKEHOUSE_BI_GIT_COMMIT', '') or env_var('GITHUB_SHA', '') or none),
        'dbt_version': lakehouse.sql_string_literal(dbt_version),
        'nodes_total': statuses | length,
        'nodes_error': statuses | select('in', ['error', 'fail', 'runtime error']) | list | length,
        'nodes_warn': statuses | select('in', ['warn', 'partial success']) | list | length,
        'nodes_skipped': statuses | select('equalto', 'skipped') | list | length,
        'is_full_refresh': 'true' if flags.FULL_REFRESH else 'false',
        'run_started_at': lakehouse.audit_timestamp_literal(run_started_at),
        'run_ended_at': lakehouse.audit_timestamp_literal(modules.datetime.datetime.now(modules.pytz.utc)),
    } -%}
    {%- set columns = lakehouse.audit_table_columns('dbt_invocation_log') | map('first') | list -%}
    {#- Each value named after its column: Spark-family engines name an unaliased literal
        after its text, and two `null`s then clash (Sail 0.7 refuses the select). -#}
    {%- set insert -%}
        insert into {{ relation }} ({{ columns | join(', ') }})
        select
            {%- for column in columns %}
            {{ values[column] }} as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}
    {%- endset -%}
    {%- do run_query(insert) -%}
    {%- do lakehouse.record_relation_row_counts(results) -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}
