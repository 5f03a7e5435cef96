{#
    The nodes of this project stored as tables (models materialized table / incremental,
    snapshots, seeds), in a stable order; optionally only those named in `select` (a list of
    node names). An unknown name is an error naming it.
#}
{% macro maintained_nodes(select=none) %}
    {%- set nodes = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name
            and node.resource_type in ('model', 'snapshot', 'seed')
            and (node.resource_type != 'model'
                 or node.config.materialized in ('table', 'incremental'))
            and node.config.get('enabled', true) -%}
            {%- do nodes.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if select is none -%}
        {{ return(nodes) }}
    {%- endif -%}
    {%- set names = [select] if select is string else select -%}
    {%- set known = nodes | map(attribute='name') | list -%}
    {%- for name in names if name not in known -%}
        {{ exceptions.raise_compiler_error(
            "Table maintenance: no table named '" ~ name ~ "' in this project (models "
            ~ "materialized table/incremental, snapshots, seeds). Known: " ~ known | join(', ')) }}
    {%- endfor -%}
    {{ return(nodes | selectattr('name', 'in', names) | list) }}
{% endmacro %}
