{#
    VACUUM a Delta table, keeping `retain_hours` of removed files (time travel and RESTORE
    reach no further back). Refuses fewer than 168 hours -- Delta's safety threshold, below
    which readers and writers still using older snapshots can fail -- with an error naming the
    table and `setting`, the configuration the hours came from. Databricks: `VACUUM <table>
    RETAIN <n> HOURS`; DuckDB has no VACUUM of this kind: logged, nothing runs.
    Returns the statement (Databricks) or none.
#}
{% macro vacuum_table(relation, retain_hours, setting) %}
    {%- set hours = lakehouse.check_vacuum_retain_hours(relation, retain_hours, setting) -%}
    {{ return(adapter.dispatch('vacuum_table', 'lakehouse')(relation, hours)) }}
{% endmacro %}

{% macro default__vacuum_table(relation, hours) %}
    {%- do log("Delta maintenance: VACUUM " ~ relation ~ " RETAIN " ~ hours
        ~ " HOURS skipped: " ~ adapter.type() ~ " has no Delta VACUUM (no-op).", info=True) -%}
    {{ return(none) }}
{% endmacro %}

{% macro databricks__vacuum_table(relation, hours) %}
    {%- set statement = 'vacuum ' ~ relation ~ ' retain ' ~ hours ~ ' hours' -%}
    {%- do run_query(statement) -%}
    {%- do log("Delta maintenance: " ~ statement, info=True) -%}
    {{ return(statement) }}
{% endmacro %}
