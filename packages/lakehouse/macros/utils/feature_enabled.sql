{#
    The value of a feature-flag var (dbt_project.yml, "Feature flags") as a boolean. Anything
    but true/false stops the run with the var's name, so a typo such as
    --vars '{enable_scd2: flase}' cannot silently pick a branch.
#}
{% macro feature_enabled(flag) %}
    {%- set value = var(flag) -%}
    {%- if value is sameas true or value is sameas false -%}
        {{ return(value) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "Feature flag var '" ~ flag ~ "' must be true or false, got '" ~ value
        ~ "'. Set it in dbt_project.yml (vars) or with --vars '{" ~ flag ~ ": true}'."
    ) }}
{% endmacro %}
