{#
    The union of a per-entity query over `entities` (dicts with an `entity` name): one CTE
    per entity, rendered by `entity_macro(item)`, then their union all. The DQ and
    conservation models are this over their own entity lists and query macros.
#}
{% macro union_per_entity(entities, entity_macro) %}
    with
    {%- for item in entities %}

    {{ item.entity }} as (
        {{ entity_macro(item) }}
    ){{ ',' if not loop.last }}
    {%- endfor %}

    {%- for item in entities %}
    select * from {{ item.entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
