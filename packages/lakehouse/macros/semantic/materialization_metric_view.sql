{#
    `materialized='metric_view'` on DuckDB. dbt-databricks has the materialization of this
    name (CREATE VIEW ... WITH METRICS LANGUAGE YAML AS $$ <the model's YAML> $$); DuckDB has
    no metric views, so here the same YAML becomes a plain view of the metric view's data
    model (metric_view_data_model_sql) and the YAML itself is kept as the view's comment, as
    Unity Catalog keeps it as the view text. lakehouse_bi.semantic.metric_view reads that
    comment to evaluate MEASURE() queries on the view with the definition's own aggregate
    expressions (the dashboards' local preview, the tests). Grants are applied (resolved and
    logged on DuckDB) like any model's.
#}
{% materialization metric_view, adapter='duckdb' %}
    {%- set definition = lakehouse.metric_view_definition(sql) -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing_relation is not none and existing_relation.type != 'view' -%}
        {{ drop_relation_if_exists(existing_relation) }}
    {%- endif %}

    {% call statement('main') -%}
        create or replace view {{ target_relation }} as
        {{ lakehouse.metric_view_data_model_sql(definition) }}
    {%- endcall %}

    {% call statement('metric_view_yaml') -%}
        comment on view {{ target_relation }} is
        {{ lakehouse.sql_string_literal(lakehouse.metric_view_comment_marker() ~ '\n' ~ (sql | trim)) }}
    {%- endcall %}

    {% do apply_grants(
        target_relation, grant_config,
        should_revoke=should_revoke(existing_relation, full_refresh_mode=True)) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- The first line of a local metric view's comment (a YAML comment, so the text stays the
    definition): how lakehouse_bi.semantic.metric_view tells metric views from other views. -#}
{% macro metric_view_comment_marker() %}
    {{- return('# lakehouse_bi metric view: the data model of the metric view defined below') -}}
{% endmacro %}
