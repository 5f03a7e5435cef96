{#
    SQL for the identity the warehouse session runs as: on Databricks the user or service
    principal that the SQL warehouse authenticated (stronger evidence than an env var).
    DuckDB has no authenticated identity: null.
#}
{% macro audit_warehouse_user() %}
    {{ return(adapter.dispatch('audit_warehouse_user', 'lakehouse')()) }}
{% endmacro %}

{% macro default__audit_warehouse_user() %}
    {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
{% endmacro %}

{% macro databricks__audit_warehouse_user() %}
    {{ return('current_user()') }}
{% endmacro %}
