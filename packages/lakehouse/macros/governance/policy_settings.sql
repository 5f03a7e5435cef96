{#
    The project-wide governance settings, read from vars and checked once: the schema that
    holds the policy functions and the account group behind each role.
#}
{% macro governance_schema() %}
    {{ return(lakehouse.governance_plain_identifier(
        var('governance_schema'), 'dbt_project.yml: vars.governance_schema'
    )) }}
{% endmacro %}

{% macro governance_group(role, where) %}
    {%- set groups = var('governance_groups') -%}
    {%- do lakehouse.governance_plain_identifier(role, where) -%}
    {%- if role not in groups -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": unknown group role '" ~ role ~ "'; known roles (vars.governance_groups): "
            ~ (groups.keys() | sort | join(', '))
        ) }}
    {%- endif -%}
    {{ return(lakehouse.governance_plain_identifier(
        groups[role], 'dbt_project.yml: vars.governance_groups.' ~ role
    )) }}
{% endmacro %}
