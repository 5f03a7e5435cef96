{#
    Rows in each table this invocation built (models, seeds, snapshots of this project that
    succeeded), one insert for all of them. Neither dbt-duckdb nor dbt-databricks reports
    rows affected for models, so the count after the run is the portable measure; views are
    skipped because counting one re-runs its query, metric views because they have no rows of
    their own (Databricks evaluates them only through MEASURE()).
#}
{% macro record_relation_row_counts(results) %}
    {%- set counted = [] -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- if node.resource_type in ['model', 'seed', 'snapshot']
            and node.package_name == project_name
            and (result.status | string | lower) == 'success'
            and node.config.materialized not in ['view', 'ephemeral', 'metric_view']
            and node.relation_name -%}
            {%- do counted.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not counted -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = lakehouse.audit_relation('dbt_relation_row_counts') -%}
    {%- set counted_at = lakehouse.audit_timestamp_literal(modules.datetime.datetime.now(modules.pytz.utc)) -%}
    {%- set insert -%}
        insert into {{ relation }} (invocation_id, unique_id, relation_name, row_count, counted_at)
        {% for node in counted -%}
        select
            {{ lakehouse.sql_string_literal(invocation_id) }},
            {{ lakehouse.sql_string_literal(node.unique_id) }},
            {{ lakehouse.sql_string_literal(node.relation_name) }},
            count(*),
            {{ counted_at }}
        from {{ node.relation_name }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    {%- endset -%}
    {%- do run_query(insert) -%}
{% endmacro %}
