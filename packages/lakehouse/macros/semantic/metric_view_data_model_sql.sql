{#
    The data model of a metric view as a DuckDB query: one row per `source` row that passes
    `filter`, the `joins` attached (LEFT JOIN, aliased by their names, `on` or `using` as
    written), each dimension as a column named after it, then the source's other columns --
    a dimension named like a source column takes its place -- so that a measure's aggregate
    expression can be evaluated over it (lakehouse_bi.semantic.metric_view does that for
    MEASURE()). This is what Databricks calls an `unaggregated` materialization of a metric
    view: the source, its joins and its filter, nothing aggregated (docs "Materialization for
    metric views"). `definition`: metric_view_definition()'s dict.
#}
{% macro metric_view_data_model_sql(definition) %}
    {%- set source = definition['source'] | trim -%}
    {%- if source.lower().startswith('select') or source.lower().startswith('with') -%}
        {%- set source = '(' ~ source ~ ')' -%}
    {%- endif -%}
    {%- set names = definition['dimensions'] | map(attribute='name') | list -%}
with data_model as (

    select
        {% for dimension in definition['dimensions'] -%}
        ({{ dimension['expr'] }}) as "__dimension_{{ loop.index }}",
        {% endfor -%}
        source.*
    from {{ source }} as source
    {% for join in definition.get('joins') or [] -%}
    left join {{ join['source'] }} as {{ join['name'] }}
        {% if join.get('on') is not none -%}
        on {{ join['on'] }}
        {%- else -%}
        using ({{ join['using'] | join(', ') }})
        {%- endif %}
    {% endfor -%}
    {%- if definition.get('filter') %}
    where {{ definition['filter'] }}
    {%- endif %}

)

select
    {% for name in names -%}
    "__dimension_{{ loop.index }}" as "{{ name | replace('"', '""') }}",
    {% endfor -%}
    columns(lambda c: not starts_with(c, '__dimension_') and c not in (
        {%- for name in names %}{{ lakehouse.sql_string_literal(name) }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ))
from data_model
{%- endmacro %}
