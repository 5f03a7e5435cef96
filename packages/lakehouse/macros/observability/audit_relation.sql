{#
    The relation of a table of the `audit` source (models/observability/_observability__sources.yml).
    The hooks write where the source says, so the audit model and the hooks cannot disagree.
#}
{% macro audit_relation(table_name) %}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', 'audit')
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- if node is not defined or node is none -%}
        {{ exceptions.raise_compiler_error(
            "No table " ~ table_name ~ " in source `audit`. "
            ~ "Declare it in models/observability/_observability__sources.yml.") }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.identifier)) }}
{% endmacro %}
