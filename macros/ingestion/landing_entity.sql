{#
    The landing-file contract of one entity, read from its `landing` source definition:
    file format (meta.format), file glob under the landing root and the ordered column list.
#}
{% macro landing_entity(table_name) %}
    {%- set relation = source('landing', table_name) -%}
    {%- set spec = {'name': table_name, 'format': none, 'columns': []} -%}
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
        {%- do spec.update({
            'format': format,
            'columns': node.columns.keys() | list,
            'glob': landing_root() ~ '/' ~ table_name ~ '/batch=*/*.' ~ format,
        }) -%}
    {%- endif -%}
    {{ return(spec) }}
{% endmacro %}
