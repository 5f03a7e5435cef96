{#
    dbt_date's week (`week_start`, `week_end`, used by dim_date) starts on Sunday on DuckDB,
    Postgres and Snowflake but falls back to `date_trunc('week')` -- Monday -- on Spark and
    Databricks, so dim_date.week_start_date differed between the engines (found by running
    the Databricks SQL on a Spark engine next to DuckDB). The project's week is dbt_date's
    documented one everywhere: Sunday to Saturday (ISO weeks are the iso_week_* columns).
    The week of the year likewise: DuckDB counts 7-day blocks from 1 January
    (ceil(day of year / 7)), Spark's fallback gives the ISO week; the ISO week is its own
    column (iso_week_of_year), so week_of_year is DuckDB's count on both.
    Reached through the `dispatch` search order for dbt_date in dbt_project.yml.
#}
{% macro databricks__week_start(date) %}
    {{ return(dbt_date.snowflake__week_start(date)) }}
{% endmacro %}

{% macro databricks__week_end(date) %}
    {{ return(dbt_date.snowflake__week_end(date)) }}
{% endmacro %}

{% macro databricks__week_of_year(date) %}
    {{ return(dbt_date.duckdb__week_of_year(date)) }}
{% endmacro %}
