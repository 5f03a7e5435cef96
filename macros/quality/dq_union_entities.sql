{#
    The union over dq_entities() of a per-entity query: one CTE per entity, rendered by
    `entity_macro(entity)`, then their union. The DQ intermediate models are this over
    dq_landed_records and dq_quarantine_checks.
#}
{% macro dq_union_entities(entity_macro) %}
    with
    {%- for entity in dq_entities() %}

    {{ entity.entity }} as (
        {{ entity_macro(entity) }}
    ){{ ',' if not loop.last }}
    {%- endfor %}

    {%- for entity in dq_entities() %}
    select * from {{ entity.entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
