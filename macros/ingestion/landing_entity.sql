{#
    The landing-file contract of one entity, read from its `landing` source definition:
    file format (meta.format), file glob under the landing root, the ordered column list,
    the types declared for some columns (`data_type`, the baseline for type-change
    detection) and the schema evolution mode (meta.schema_evolution).
#}
{% macro landing_entity(table_name) %}
    {%- set spec = {'name': table_name, 'format': none, 'columns': [], 'declared_types': {}} -%}
    {%- if execute -%}
        {%- set node = graph.sources.values()
            | selectattr('source_name', 'equalto', 'landing')
            | selectattr('name', 'equalto', table_name)
            | first -%}
        {%- set format = node.meta.get('format') or node.config.meta.get('format') -%}
        {%- if format not in ('csv', 'jsonl') -%}
            {{ exceptions.raise_compiler_error(
                "source landing." ~ table_name ~ ": meta.format must be csv or jsonl, got "
                ~ format ~ ". Fix models/bronze/landing/_landing__sources.yml.") }}
        {%- endif -%}
        {%- if node.columns | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                "source landing." ~ table_name ~ " lists no columns; bronze reads exactly the "
                ~ "declared columns. Fix models/bronze/landing/_landing__sources.yml.") }}
        {%- endif -%}
        {%- set declared_types = {} -%}
        {%- for name, column in node.columns.items() if column.get('data_type') -%}
            {%- do declared_types.update({name: column.get('data_type')}) -%}
        {%- endfor -%}
        {%- do spec.update({
            'format': format,
            'columns': node.columns.keys() | list,
            'declared_types': declared_types,
            'glob': landing_root() ~ '/' ~ table_name ~ '/batch=*/*.' ~ format,
            'schema_evolution': schema_evolution_mode(node),
            'definition_file': node.original_file_path,
        }) -%}
    {%- endif -%}
    {{ return(spec) }}
{% endmacro %}
