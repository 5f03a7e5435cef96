{# The relation a node is built into on the current target. #}
{% macro node_relation(node) %}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias or node.name,
        type='table')) }}
{% endmacro %}
