{#
    `dbt run-operation migrate_renamed_models [--args '{dry_run: true}']`: moves the tables of
    renamed models (vars.renamed_models: old relation name -> current model name) to their new
    names before a build, so that the build finds them instead of creating new, empty tables.
    Per rename (renamed_relation_plan): old absent -> nothing; old table, new absent ->
    adapter.rename_relation (Databricks: ALTER TABLE ... RENAME TO, which keeps the Delta
    history, grants, tags and masks); old view -> dropped. Every rename is planned before
    anything changes: when both the old table and the new relation exist (or the old one is
    neither a table nor a view) nothing is changed and the operation fails, naming them.
    Same behaviour on DuckDB and Databricks. dry_run logs the whole plan, then fails the same
    way on a conflict, and changes nothing. Logs relation names, never data.
#}
{% macro migrate_renamed_models(dry_run=false) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set suffix = ' (dry run)' if dry_run else '' -%}
    {%- set plans = [] -%}
    {%- for old_name, new_name in lakehouse.renamed_models() -%}
        {%- do plans.append(lakehouse.renamed_relation_plan(old_name, new_name)) -%}
    {%- endfor -%}
    {%- if not plans -%}
        {%- do log("migrate_renamed_models: vars.renamed_models is empty, nothing to migrate"
            ~ suffix, info=True) -%}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for plan in plans -%}
        {%- set head = "migrate_renamed_models " ~ plan.old_name ~ " -> " ~ plan.new_name ~ ": " -%}
        {%- if plan.action == 'conflict' -%}
            {%- do problems.append(
                "both " ~ plan.old ~ " (the old name of model " ~ plan.new_name ~ ") and "
                ~ plan.new ~ " exist. The new one was probably built before this migration "
                ~ "ran. Decide which to keep: to keep the old table's Delta history, "
                ~ "`DROP TABLE " ~ plan.new ~ "`; to keep the new one, `DROP TABLE " ~ plan.old
                ~ "` (its history goes with it). Then re-run `dbt run-operation "
                ~ "migrate_renamed_models` (docs/TROUBLESHOOTING.md).") -%}
            {%- set line = "both " ~ plan.old ~ " and " ~ plan.new ~ " exist, cannot migrate" -%}
        {%- elif plan.action == 'unsupported' -%}
            {%- do problems.append(
                plan.old ~ " (the old name of model " ~ plan.new_name ~ ") is a "
                ~ plan.old.type ~ ", neither a table nor a view: rename or drop it by hand, "
                ~ "then re-run `dbt run-operation migrate_renamed_models`.") -%}
            {%- set line = plan.old ~ " is a " ~ plan.old.type ~ ", cannot migrate" -%}
        {%- elif plan.action == 'nothing' -%}
            {%- set line = "no relation named " ~ plan.old_name ~ " next to the model"
                ~ (" (" ~ plan.new ~ " exists)" if plan.new is not none else "")
                ~ ", nothing to migrate" -%}
        {%- elif plan.action == 'drop_view' -%}
            {%- set line = "dropping the view " ~ plan.old ~ " (a view has no history)" -%}
        {%- else -%}
            {%- set line = "renaming the table " ~ plan.old ~ " to " ~ plan.target -%}
        {%- endif -%}
        {%- do plan.update({'line': head ~ line ~ suffix}) -%}
    {%- endfor -%}
    {%- if dry_run -%}
        {%- for plan in plans -%}
            {%- do log(plan.line, info=True) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems -%}
        {%- do exceptions.raise_compiler_error(
            "migrate_renamed_models changed nothing" ~ suffix ~ ": "
            ~ problems | join(' Also: ')) -%}
    {%- endif -%}
    {%- if not dry_run -%}
        {%- for plan in plans -%}
            {%- do log(plan.line, info=True) -%}
            {%- if plan.action == 'drop_view' -%}
                {%- do adapter.drop_relation(plan.old) -%}
            {%- elif plan.action == 'rename' -%}
                {%- do adapter.rename_relation(plan.old, plan.target) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- DuckDB: the statements ran in the transaction the lookups opened (a statement
            begins one); Databricks: commit is a no-op. -#}
        {%- if plans | rejectattr('action', 'equalto', 'nothing') | list -%}
            {%- do adapter.commit() -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
