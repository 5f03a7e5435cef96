{#
    The landing-file contract of one entity, for bronze: its registry entry
    (landing_entities()) plus the file glob under the landing root, the types declared for
    some columns (`data_type`, the baseline for type-change detection), the schema evolution
    mode (meta.schema_evolution) and the YAML file that declares it.
#}
{% macro landing_entity(table_name) %}
    {%- set spec = {'name': table_name, 'format': none, 'columns': [], 'declared_types': {}} -%}
    {%- if execute -%}
        {%- set entity = lakehouse.landing_entity_named(table_name) -%}
        {%- set node = entity.node -%}
        {%- set declared_types = {} -%}
        {%- for name, column in node.columns.items() if column.get('data_type') -%}
            {%- do declared_types.update({name: column.get('data_type')}) -%}
        {%- endfor -%}
        {%- do spec.update(entity) -%}
        {%- do spec.update({
            'declared_types': declared_types,
            'glob': lakehouse.landing_root() ~ '/' ~ table_name ~ '/batch=*/*.' ~ entity.format,
            'schema_evolution': lakehouse.schema_evolution_mode(node),
            'definition_file': node.original_file_path,
        }) -%}
    {%- endif -%}
    {{ return(spec) }}
{% endmacro %}
