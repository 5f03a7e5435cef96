{#
    Fails the model that calls it (int_landed_records__unioned) unless it reads the bronze
    model of every table in the entity registry: an entity left out of the union would be
    missing from record conservation and the DQ metrics without any test failing. Renders
    nothing.
#}
{% macro check_entity_records_cover_registry() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set covered = [] -%}
    {%- for parent_id in model.depends_on.nodes if parent_id in graph.nodes -%}
        {%- for source in graph.nodes[parent_id].sources if source[0] == 'landing' -%}
            {%- do covered.append(source[1]) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set missing = lakehouse.landing_entities() | map(attribute='name')
        | reject('in', covered) | list -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            model.original_file_path ~ ": the entity registry lists " ~ missing | join(', ')
            ~ " but this model has no entity_records(...) block for "
            ~ ("it" if missing | length == 1 else "them") ~ ". Add one per entity, passing "
            ~ "its bronze model, checked feed, quarantine and current-state model as refs "
            ~ "(docs/LANDING.md, \"Adding an entity\"); otherwise its records are missing from "
            ~ "record conservation and the DQ metrics.") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
