{#
    Checks every policy of the project before anything is created (called from
    on-run-start): classifications, masks and row filters must be known, plain identifiers,
    on columns declared in the model's YAML; table tags must be plain identifiers. Grants are
    checked when applied (governance_resolve_grants), policy columns against the built
    relation by the post-hook. `lakehouse-bi validate` runs the same rules and more offline.
#}
{% macro governance_validate_policies() %}
    {%- set nodes = graph.nodes.values()
        | selectattr('package_name', 'equalto', project_name)
        | selectattr('resource_type', 'in', ['model', 'seed', 'snapshot'])
        | list -%}
    {%- for node in nodes -%}
        {%- do lakehouse.governance_table_classification(node) -%}
        {%- do lakehouse.governance_column_masks(node) -%}
        {%- set row_filter = lakehouse.governance_row_filter(node) -%}
        {%- if row_filter and row_filter.columns[0] not in node.columns -%}
            {{ exceptions.raise_compiler_error(
                lakehouse.governance_policy_location(node) ~ '.config.row_filter.columns[0]: column '
                ~ row_filter.columns[0] ~ ' is not declared in the columns of ' ~ node.name
            ) }}
        {%- endif -%}
        {%- set where = lakehouse.governance_policy_location(node) ~ '.config.databricks_tags' -%}
        {%- for key, value in (node.config.get('databricks_tags') or {}).items() -%}
            {%- do lakehouse.governance_plain_identifier(key, where) -%}
            {%- do lakehouse.governance_plain_identifier(value, where ~ '.' ~ key) -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}

{# Unique ids of the nodes whose policy needs the policy functions (masks or a row filter). #}
{% macro governance_governed_node_ids() %}
    {%- set governed = [] -%}
    {%- for node in graph.nodes.values() if node.package_name == project_name -%}
        {%- if lakehouse.governance_column_masks(node) or lakehouse.governance_row_filter(node) -%}
            {%- do governed.append(node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(governed) }}
{% endmacro %}
