{#
    dbt `grants` in this project name roles (data_engineers, analysts, ...), never account
    groups: vars.governance_groups says which group each role is, once per workspace.
    These overrides of dbt's dispatched apply_grants resolve the roles, then let dbt's own
    implementation diff against SHOW GRANTS and GRANT / REVOKE as usual.
#}
{% macro governance_grant_privileges() %}
    {{ return(['select', 'modify', 'all privileges', 'apply tag']) }}
{% endmacro %}

{% macro governance_resolve_grants(grant_config) %}
    {%- set where = 'grants of ' ~ model.resource_type ~ ' ' ~ model.name
        ~ ' (dbt_project.yml or ' ~ (model.get('patch_path') or model.original_file_path)
            .split('://')[-1] ~ ')' -%}
    {%- set resolved = {} -%}
    {%- for privilege, roles in (grant_config or {}).items() -%}
        {%- if privilege | lower not in lakehouse.governance_grant_privileges() -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": unknown privilege '" ~ privilege ~ "'; known: "
                ~ (lakehouse.governance_grant_privileges() | join(', '))
            ) }}
        {%- endif -%}
        {%- set groups = [] -%}
        {%- for role in ([roles] if roles is string else roles) -%}
            {%- do groups.append(lakehouse.governance_group(role, where ~ '.' ~ privilege)) -%}
        {%- endfor -%}
        {%- do resolved.update({privilege | lower: groups}) -%}
    {%- endfor -%}
    {{ return(resolved) }}
{% endmacro %}

{% macro databricks__apply_grants(relation, grant_config, should_revoke=True) %}
    {%- set resolved = lakehouse.governance_resolve_grants(grant_config) -%}
    {%- do dbt.default__apply_grants(relation, resolved, should_revoke) -%}
{% endmacro %}

{#
    DuckDB has no GRANT: the roles are still resolved (a misspelt role fails the local build
    too), then the grant is a logged no-op; docs/GOVERNANCE.md says what the personas cover.
#}
{% macro duckdb__apply_grants(relation, grant_config, should_revoke=True) %}
    {%- set resolved = lakehouse.governance_resolve_grants(grant_config) -%}
    {%- if resolved -%}
        {{ log('grants on ' ~ relation ~ ' (enforced on Databricks only): ' ~ resolved) }}
    {%- endif -%}
{% endmacro %}
