{#
    Removes deleted rows physically. Databricks: `REORG TABLE <t> APPLY (PURGE)` rewrites the
    files whose rows deletion vectors only mark as deleted (VACUUM then removes the old files
    once they are older than the retention); DuckDB's DELETE needs nothing more: no-op.
#}
{% macro purge_deleted_rows(relation) %}
    {{ return(adapter.dispatch('purge_deleted_rows', 'lakehouse')(relation)) }}
{% endmacro %}

{% macro default__purge_deleted_rows(relation) %}
    {{ return(none) }}
{% endmacro %}

{% macro databricks__purge_deleted_rows(relation) %}
    {%- set statement = 'reorg table ' ~ relation ~ ' apply (purge)' -%}
    {%- do run_query(statement) -%}
    {%- do log("Delta maintenance: " ~ statement, info=True) -%}
    {{ return(statement) }}
{% endmacro %}
