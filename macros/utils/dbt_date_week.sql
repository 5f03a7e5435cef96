{#
    dbt_date's week (`week_start`, `week_end`, used by dim_date) starts on Sunday on DuckDB,
    Postgres and Snowflake but falls back to `date_trunc('week')` -- Monday -- on Spark and
    Databricks, so dim_date.week_start_date differed between the engines (found by running
    the Databricks SQL on a Spark engine next to DuckDB). The project's week is dbt_date's
    documented one everywhere: Sunday to Saturday (ISO weeks are the iso_week_* columns).
    Reached through the `dispatch` search order for dbt_date in dbt_project.yml.
#}
{% macro databricks__week_start(date) %}
    {{ return(dbt_date.snowflake__week_start(date)) }}
{% endmacro %}

{% macro databricks__week_end(date) %}
    {{ return(dbt_date.snowflake__week_end(date)) }}
{% endmacro %}
