{#
    The registry entry (landing_entities()) of the landing table nearest upstream of a node:
    its parents, then their parents, level by level, until a level reads a landing table (a
    checked feed reads staging, which reads bronze, which reads the source; the checked feeds
    it joins for orphan checks are further away). None when no level reads exactly one, or at
    parse time.
#}
{% macro landing_entity_upstream(node) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state = namespace(level=[node], found=[]) -%}
    {%- set seen = [] -%}
    {#- dbt's Jinja has no while loop: a for bounded by the graph's depth. -#}
    {%- for _ in range(graph.nodes | length) if state.level and not state.found -%}
        {%- set next_level = [] -%}
        {%- for current in state.level -%}
            {%- for source in current.sources
                if source[0] == 'landing' and source[1] not in state.found -%}
                {%- do state.found.append(source[1]) -%}
            {%- endfor -%}
            {%- for parent_id in current.depends_on.nodes
                if parent_id in graph.nodes and parent_id not in seen -%}
                {%- do seen.append(parent_id) -%}
                {%- do next_level.append(graph.nodes[parent_id]) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set state.level = next_level -%}
    {%- endfor -%}
    {{ return(lakehouse.landing_entity_named(state.found[0]) if state.found | length == 1 else none) }}
{% endmacro %}
