{#
    The type family each column of an entity is expected to have: its declared `data_type`
    if the source YAML gives one, else the widest family recorded for it in
    landing_column_types (first sightings and widenings). A dict column -> family.
#}
{% macro landing_established_types(entity) %}
    {%- set established = {} -%}
    {%- set relation = lakehouse.schema_evolution_relation('landing_column_types') -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
        {%- set query -%}
            select column_name, data_type
            from {{ relation }}
            where source_table = {{ lakehouse.sql_string_literal('landing.' ~ entity.name) }}
        {%- endset -%}
        {%- for column_name, family in run_query(query).rows -%}
            {%- set change = lakehouse.landing_type_change(established.get(column_name), family) -%}
            {%- if column_name not in established or change == 'type_widened' -%}
                {%- do established.update({column_name: family}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for column_name, data_type in entity.declared_types.items() -%}
        {%- do established.update({column_name: lakehouse.landing_type_family(data_type)}) -%}
    {%- endfor -%}
    {{ return(established) }}
{% endmacro %}
