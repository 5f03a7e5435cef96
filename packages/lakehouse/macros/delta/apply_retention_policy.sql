{#
    `dbt run-operation apply_retention_policy [--args '{dry_run: true, as_of: "2026-01-31",
    tables: [fct_sales]}']`: deletes the rows vars.retention_policy (dbt_project.yml) has
    expired -- per table with a meta.retention_column, rows whose column is before `as_of` (default: today, UTC)
    minus the layer's retention_days -- then purges and vacuums where the policy says:
      - bronze: each expired file is first recorded in observability.retention_expired_files,
        so bronze never ingests it again;
      - the deleted rows are then removed physically: `REORG TABLE ... APPLY (PURGE)` (deletion
        vectors only mark rows) and, unless predictive optimization maintains the table,
        `VACUUM ... RETAIN <layer's vacuum_retain_hours> HOURS` (refused below 168).
    The deletes are real on both engines; REORG and VACUUM are logged no-ops on DuckDB.
    dry_run counts and logs, changes nothing. Tables not built yet are skipped. Logs one line
    per table: `retention <table>: <n> rows with <column> before <cut-off> (<setting>: <days>
    days) deleted | to delete (dry run)`. Returns nothing (run-operation).
#}
{% macro apply_retention_policy(dry_run=false, as_of=none, tables=none) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set today = modules.datetime.datetime.utcnow().date() if as_of is none
        else modules.datetime.datetime.strptime(as_of | string, '%Y-%m-%d').date() -%}
    {%- set planned = [] -%}
    {%- for node in lakehouse.maintained_nodes(tables) -%}
        {%- set policy = lakehouse.retention_policy_for(node) -%}
        {%- if policy.retention_days is not none -%}
            {%- set days = policy.retention_days | int(0) -%}
            {%- if days < 1 or (policy.retention_days | string) != (days | string) -%}
                {{ exceptions.raise_compiler_error(
                    "Retention of " ~ node.name ~ " refused: " ~ policy.days_setting ~ " is "
                    ~ policy.retention_days ~ "; it must be a whole number of days >= 1.") }}
            {%- endif -%}
            {%- if not policy.column -%}
                {{ exceptions.raise_compiler_error(
                    "Retention of " ~ node.name ~ ": its meta.retention_column is empty "
                    ~ "(e.g. {retention_column: _ingested_at}).") }}
            {%- endif -%}
            {%- set decision = lakehouse.delta_maintenance_decision(node) -%}
            {%- if decision.vacuum_retain_hours is not none -%}
                {%- do lakehouse.check_vacuum_retain_hours(
                    lakehouse.node_relation(node), decision.vacuum_retain_hours, decision.setting) -%}
            {%- endif -%}
            {%- do planned.append((node, policy, days, decision)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if tables is not none and not planned -%}
        {{ exceptions.raise_compiler_error(
            "Retention: none of " ~ tables ~ " has a meta.retention_column in a layer of "
            ~ "vars.retention_policy (the others keep their rows: meta.retention_exempt).") }}
    {%- endif -%}
    {%- for node, policy, days, decision in planned -%}
        {%- set relation = lakehouse.node_relation(node) -%}
        {%- if load_relation(relation) is none -%}
            {%- do log("retention " ~ relation ~ ": not built yet, skipped", info=True) -%}
        {%- else -%}
            {%- set cutoff = (today - modules.datetime.timedelta(days=days)).isoformat() -%}
            {%- set expired = adapter.quote(policy.column) ~ " < cast('" ~ cutoff ~ "' as date)" -%}
            {%- set counted = run_query(
                "select count(*) as expired_rows from " ~ relation ~ " where " ~ expired) -%}
            {%- set rows = (counted.columns[0].values()[0] if counted.rows | length else 0) or 0 -%}
            {%- if not dry_run and rows > 0 -%}
                {%- if policy.layer == 'bronze' -%}
                    {%- do lakehouse.record_expired_files(node, relation, expired, days, cutoff) -%}
                {%- endif -%}
                {%- do run_query("delete from " ~ relation ~ " where " ~ expired) -%}
                {%- do adapter.commit() -%}
                {%- do lakehouse.purge_deleted_rows(relation) -%}
                {%- if decision.vacuum_retain_hours is not none -%}
                    {%- do lakehouse.vacuum_table(relation, decision.vacuum_retain_hours, decision.setting) -%}
                {%- endif -%}
            {%- endif -%}
            {%- do log("retention " ~ relation ~ ": " ~ rows ~ " rows with " ~ policy.column
                ~ " before " ~ cutoff ~ " (" ~ policy.days_setting ~ ": " ~ days ~ " days) "
                ~ ("to delete (dry run)" if dry_run else "deleted"), info=True) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
