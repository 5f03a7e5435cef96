{#
    The quarantine checks of every entity in the registry (landing_entities(): its load's
    standard checks and meta.checks) as a query with columns entity and check_name, one row
    per check. The DQ metrics report one row per check from this list, and each quarantine
    model's `quarantine_reasons_declared` test fails on a reason missing from it.
#}
{% macro landing_entity_checks() %}
    {%- set rows = [] -%}
    {%- for entity in lakehouse.landing_entities() -%}
        {%- for reason in entity.checks -%}
            {%- do rows.append('select ' ~ lakehouse.sql_string_literal(entity.name) ~ ' as entity, '
                ~ lakehouse.sql_string_literal(reason) ~ ' as check_name') -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- Parse time (no registry yet): a typed, empty query. -#}
    {{ return(rows | join('\nunion all\n') if rows else
        'select cast(null as ' ~ dbt.type_string() ~ ') as entity, cast(null as '
        ~ dbt.type_string() ~ ') as check_name where false') }}
{% endmacro %}
