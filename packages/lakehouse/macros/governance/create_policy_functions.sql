{#
    on-run-start: validate every policy, then create the policy functions in the governance
    schema, idempotently (CREATE OR REPLACE), when this invocation builds a governed model.
    Databricks gets Unity Catalog SQL functions used by column_mask / row_filter; DuckDB gets
    macros of the same names that the governed views call (governed_view.sql).
#}
{% macro governance_create_policy_functions() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- do lakehouse.governance_validate_policies() -%}
    {%- set governed = lakehouse.governance_governed_node_ids() -%}
    {%- if governed and (selected_resources | select('in', governed) | list) -%}
        {%- do adapter.dispatch('governance_create_policy_functions', 'lakehouse')() -%}
        {#- Hooks run in a transaction that dbt rolls back unless committed (DuckDB). -#}
        {%- do adapter.commit() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro default__governance_create_policy_functions() %}
    {{ log('Governance: no policy functions for adapter ' ~ adapter.type() ~ '.', info=True) }}
{% endmacro %}

{% macro governance_function_sql(name) %}
    {{ return(adapter.quote(target.database) ~ '.' ~ adapter.quote(lakehouse.governance_schema())
        ~ '.' ~ adapter.quote(name)) }}
{% endmacro %}

{#
    The row filter: a row is visible when a role of the current user maps to its country
    (or to '*') in the region_access seed.
#}
{% macro governance_row_access_sql(region_access, country_sql) %}
    exists (
        select 1
        from {{ region_access.render() }} as access
        where
            access.country_code in ('*', {{ country_sql }})
            and {{ lakehouse.governance_is_member_sql(lakehouse.governance_role_group_sql('access.role')) }}
    )
{% endmacro %}

{% macro databricks__governance_create_policy_functions() %}
    {%- do adapter.create_schema(
        api.Relation.create(database=target.database, schema=lakehouse.governance_schema())
    ) -%}
    {%- set region_access = lakehouse.governance_ensure_seed_table('region_access') -%}
    {%- set unmasked = lakehouse.governance_member_of_any_role_sql(
        var('governance_unmasked_roles'), 'dbt_project.yml: vars.governance_unmasked_roles'
    ) -%}
    {%- for kind in lakehouse.governance_mask_kinds() -%}
        {%- call statement('governance_mask_' ~ kind) -%}
            create or replace function {{ lakehouse.governance_function_sql('mask_' ~ kind) }}(value string)
            returns string
            comment 'lakehouse-bi column mask ({{ kind }}): clear for the unmasked roles'
            return case when {{ unmasked }} then value
                else {{ lakehouse.governance_mask_expression(kind, 'value') }} end
        {%- endcall -%}
    {%- endfor -%}
    {%- call statement('governance_row_access_by_country') -%}
        create or replace function {{ lakehouse.governance_function_sql('row_access_by_country') }}(
            row_country_code string
        )
        returns boolean
        comment 'lakehouse-bi row filter: countries region_access grants to the roles of the user'
        return {{ lakehouse.governance_row_access_sql(region_access, 'row_country_code') }}
    {%- endcall -%}
{% endmacro %}

{#
    DuckDB has no users or groups: `SET VARIABLE lakehouse_persona = '<persona>'` picks a
    persona from the governance_personas seed, and is_account_group_member() answers for the
    groups of its roles. No persona set means no group: everything masked, no row visible.
#}
{% macro duckdb__governance_create_policy_functions() %}
    {%- set schema = lakehouse.governance_schema() -%}
    {%- do adapter.create_schema(api.Relation.create(database=target.database, schema=schema)) -%}
    {%- set region_access = lakehouse.governance_ensure_seed_table('region_access') -%}
    {%- set personas = lakehouse.governance_ensure_seed_table('governance_personas') -%}
    {%- call statement('governance_is_account_group_member') -%}
        create or replace macro {{ schema }}.is_account_group_member(group_name_to_check) as (
            group_name_to_check in (
                select {{ lakehouse.governance_role_group_sql('persona.role') }}
                from {{ personas.render() }} as persona
                where persona.persona = getvariable('lakehouse_persona')
            )
        )
    {%- endcall -%}
    {%- set unmasked = lakehouse.governance_member_of_any_role_sql(
        var('governance_unmasked_roles'), 'dbt_project.yml: vars.governance_unmasked_roles'
    ) -%}
    {%- for kind in lakehouse.governance_mask_kinds() -%}
        {%- call statement('governance_mask_' ~ kind) -%}
            create or replace macro {{ schema }}.mask_{{ kind }}(value) as
            case when {{ unmasked }} then value
                else {{ lakehouse.governance_mask_expression(kind, 'value') }} end
        {%- endcall -%}
    {%- endfor -%}
    {%- call statement('governance_row_access_by_country') -%}
        create or replace macro {{ schema }}.row_access_by_country(row_country_code) as
        {{ lakehouse.governance_row_access_sql(region_access, 'row_country_code') }}
    {%- endcall -%}
{% endmacro %}
