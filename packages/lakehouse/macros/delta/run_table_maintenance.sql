{#
    `dbt run-operation run_table_maintenance [--args '{tables: [fct_sales], dry_run: true}']`:
    per table of the project (models stored as tables, snapshots, seeds) the maintenance its
    delta_maintenance_decision() says: nothing under managed + predictive optimization;
    otherwise OPTIMIZE where the adapter does not already run it after the build, and VACUUM
    RETAIN the layer's hours (refused below 168). First, each managed schema's predictive
    optimization is set to vars.predictive_optimization. Tables not built yet are skipped.
    dry_run logs the decisions only. DuckDB: every Delta statement is a logged no-op.
    Logs one line per table: `maintenance <table>: <type>, predictive optimization on|off,
    optimize <decision>, vacuum <hours|none>`.
#}
{% macro run_table_maintenance(tables=none, dry_run=false) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = lakehouse.maintained_nodes(tables) -%}
    {%- set po = lakehouse.predictive_optimization_enabled() -%}
    {%- set schemas = [] -%}
    {%- for node in nodes -%}
        {%- if node.config.get('location_root') is none
            and (node.database, node.schema) not in schemas -%}
            {%- do schemas.append((node.database, node.schema)) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- Every table's VACUUM retention is checked before anything runs. -#}
    {%- for node in nodes -%}
        {%- set decision = lakehouse.delta_maintenance_decision(node) -%}
        {%- if decision.vacuum_retain_hours is not none -%}
            {%- do lakehouse.check_vacuum_retain_hours(
                lakehouse.node_relation(node), decision.vacuum_retain_hours, decision.setting) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not dry_run -%}
        {%- for database, schema in schemas | sort -%}
            {%- do lakehouse.set_schema_predictive_optimization(database, schema, po) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for node in nodes -%}
        {%- set decision = lakehouse.delta_maintenance_decision(node) -%}
        {%- set relation = lakehouse.node_relation(node) -%}
        {%- do log("maintenance " ~ relation ~ ": " ~ decision.table_type
            ~ ", predictive optimization " ~ ('on' if decision.predictive_optimization else 'off')
            ~ ", clustering " ~ (decision.clustering or 'none')
            ~ ", optimize " ~ decision.optimize
            ~ ", vacuum " ~ (('retain ' ~ decision.vacuum_retain_hours ~ ' hours')
                if decision.vacuum_retain_hours is not none else 'none')
            ~ (' (dry run)' if dry_run else ''), info=True) -%}
        {%- if not dry_run and decision.optimize != 'none' -%}
            {%- if load_relation(relation) is none -%}
                {%- do log("maintenance " ~ relation ~ ": not built yet, skipped", info=True) -%}
            {%- else -%}
                {%- if decision.optimize == 'maintenance' -%}
                    {%- do lakehouse.optimize_table(relation) -%}
                {%- endif -%}
                {%- do lakehouse.vacuum_table(relation, decision.vacuum_retain_hours, decision.setting) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
