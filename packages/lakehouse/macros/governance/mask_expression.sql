{#
    What each mask policy shows to someone outside the unmasked roles. Column policies name
    the function `<governance schema>.mask_<kind>`; the kinds are the keys below (the
    `lakehouse-bi validate` registry in python/lakehouse_bi/governance/policy.py matches them).
    Every expression keeps null as null.
#}
{% macro governance_mask_kinds() %}
    {{ return(['email', 'phone', 'name', 'partial', 'hash', 'null']) }}
{% endmacro %}

{% macro governance_mask_expression(kind, value_sql) %}
    {%- if kind == 'email' -%}
        {#- The domain stays readable: it is what analysts group by. -#}
        {{ return("regexp_replace(" ~ value_sql ~ ", '^[^@]*', '****')") }}
    {%- elif kind == 'phone' -%}
        {#- At least one star, so a value of two characters or fewer is not shown in clear. -#}
        {{ return(
            "repeat('*', greatest(length(" ~ value_sql ~ ") - 2, 1)) || right("
            ~ value_sql ~ ", 2)"
        ) }}
    {%- elif kind == 'name' -%}
        {{ return("left(" ~ value_sql ~ ", 1) || '***'") }}
    {%- elif kind == 'partial' -%}
        {{ return(
            "left(" ~ value_sql ~ ", 2) || repeat('*', greatest(length(" ~ value_sql
            ~ ") - 2, 1))"
        ) }}
    {%- elif kind == 'hash' -%}
        {#- Pseudonymous, still joinable; low-entropy values can be guessed (docs/SECURITY.md). -#}
        {{ return(lakehouse.governance_sha256_sql(value_sql)) }}
    {%- elif kind == 'null' -%}
        {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "Unknown mask kind '" ~ kind ~ "'; known: " ~ (lakehouse.governance_mask_kinds() | join(', '))
    ) }}
{% endmacro %}

{% macro governance_sha256_sql(value_sql) %}
    {{ return(adapter.dispatch('governance_sha256_sql', 'lakehouse')(value_sql)) }}
{% endmacro %}

{% macro default__governance_sha256_sql(value_sql) %}
    {{ return('sha2(' ~ value_sql ~ ', 256)') }}
{% endmacro %}

{% macro duckdb__governance_sha256_sql(value_sql) %}
    {{ return('sha256(' ~ value_sql ~ ')') }}
{% endmacro %}
