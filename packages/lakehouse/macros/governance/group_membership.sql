{#
    SQL that asks "is the current user in this account group?". Unity Catalog answers with
    is_account_group_member(); DuckDB has no users, so the local equivalent answers for the
    persona named by the session variable `lakehouse_persona` (see create_policy_functions).
#}
{% macro governance_is_member_sql(group_sql) %}
    {{ return(adapter.dispatch('governance_is_member_sql', 'lakehouse')(group_sql)) }}
{% endmacro %}

{% macro default__governance_is_member_sql(group_sql) %}
    {{ return('is_account_group_member(' ~ group_sql ~ ')') }}
{% endmacro %}

{% macro duckdb__governance_is_member_sql(group_sql) %}
    {{ return(lakehouse.governance_schema() ~ '.is_account_group_member(' ~ group_sql ~ ')') }}
{% endmacro %}

{# True when the current user is in the group of any of `roles` (a var naming roles). #}
{% macro governance_member_of_any_role_sql(roles, where) %}
    {%- set checks = [] -%}
    {%- for role in roles -%}
        {%- set where_role = where ~ '[' ~ loop.index0 ~ ']' -%}
        {%- do checks.append(lakehouse.governance_is_member_sql(
            "'" ~ lakehouse.governance_group(role, where_role) ~ "'"
        )) -%}
    {%- endfor -%}
    {{ return('(' ~ (checks | join(' or ') or 'false') ~ ')') }}
{% endmacro %}

{#
    The account group of a role held in a column (the mapping seeds name roles, never
    groups): a CASE over vars.governance_groups; an unknown role maps to null, a non-member.
#}
{% macro governance_role_group_sql(role_sql) %}
    {%- set branches = [] -%}
    {%- for role in var('governance_groups') | sort -%}
        {%- set group = lakehouse.governance_group(role, 'dbt_project.yml: vars.governance_groups') -%}
        {%- do branches.append("when '" ~ role ~ "' then '" ~ group ~ "'") -%}
    {%- endfor -%}
    {{ return('case ' ~ role_sql ~ ' ' ~ (branches | join(' ')) ~ ' end') }}
{% endmacro %}
