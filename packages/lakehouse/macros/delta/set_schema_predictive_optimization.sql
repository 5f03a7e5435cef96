{#
    Makes a schema's predictive optimization match vars.predictive_optimization for the
    target: `ALTER SCHEMA <schema> ENABLE | DISABLE PREDICTIVE OPTIMIZATION` (Databricks,
    Unity Catalog; needs ownership of the schema). DuckDB: logged, nothing runs.
#}
{% macro set_schema_predictive_optimization(database, schema, enabled) %}
    {{ return(adapter.dispatch('set_schema_predictive_optimization', 'lakehouse')(
        database, schema, enabled)) }}
{% endmacro %}

{% macro default__set_schema_predictive_optimization(database, schema, enabled) %}
    {%- do log("Delta maintenance: predictive optimization of schema " ~ schema ~ " ("
        ~ ('on' if enabled else 'off') ~ ") not applicable to " ~ adapter.type() ~ " (no-op).",
        info=True) -%}
    {{ return(none) }}
{% endmacro %}

{% macro databricks__set_schema_predictive_optimization(database, schema, enabled) %}
    {%- set relation = api.Relation.create(database=database, schema=schema) -%}
    {%- set statement = 'alter schema ' ~ relation.render() ~ ' '
        ~ ('enable' if enabled else 'disable') ~ ' predictive optimization' -%}
    {%- do run_query(statement) -%}
    {%- do log("Delta maintenance: " ~ statement, info=True) -%}
    {{ return(statement) }}
{% endmacro %}
