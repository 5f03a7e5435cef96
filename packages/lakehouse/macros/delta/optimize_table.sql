{#
    OPTIMIZE a Delta table outside a build (compaction; a clustered table is clustered
    incrementally). Databricks: `OPTIMIZE <table>`; DuckDB: logged, nothing runs.
    Returns the statement (Databricks) or none.
#}
{% macro optimize_table(relation) %}
    {{ return(adapter.dispatch('optimize_table', 'lakehouse')(relation)) }}
{% endmacro %}

{% macro default__optimize_table(relation) %}
    {%- do log("Delta maintenance: OPTIMIZE " ~ relation ~ " skipped: " ~ adapter.type()
        ~ " has no Delta OPTIMIZE (no-op).", info=True) -%}
    {{ return(none) }}
{% endmacro %}

{% macro databricks__optimize_table(relation) %}
    {%- set statement = 'optimize ' ~ relation -%}
    {%- do run_query(statement) -%}
    {%- do log("Delta maintenance: " ~ statement, info=True) -%}
    {{ return(statement) }}
{% endmacro %}
