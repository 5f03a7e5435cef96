{#
    How a landing table reacts when a new file's columns differ from its contract: the
    table's `meta.schema_evolution`, else the project var `schema_evolution_mode`. Checked
    here, at compile time, so a typo fails loudly instead of silently meaning `permissive`.
#}
{% macro schema_evolution_mode(source_node) %}
    {%- set modes = ['strict', 'permissive', 'auto_fix'] -%}
    {%- set default = var('schema_evolution_mode', 'permissive') -%}
    {%- if default not in modes -%}
        {{ exceptions.raise_compiler_error(
            "dbt_project.yml: var `schema_evolution_mode` must be one of " ~ modes | join(', ')
            ~ ", got '" ~ default ~ "'. Fix the var (or the --vars you passed).") }}
    {%- endif -%}
    {%- set mode = source_node.meta.get('schema_evolution')
        or source_node.config.meta.get('schema_evolution')
        or default -%}
    {%- if mode not in modes -%}
        {{ exceptions.raise_compiler_error(
            source_node.original_file_path ~ ": source " ~ source_node.source_name ~ "."
            ~ source_node.name ~ " has meta.schema_evolution '" ~ mode ~ "'; expected one of "
            ~ modes | join(', ') ~ " (or remove the key to use var `schema_evolution_mode`).") }}
    {%- endif -%}
    {{ return(mode) }}
{% endmacro %}
