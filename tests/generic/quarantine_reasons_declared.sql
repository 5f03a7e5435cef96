{#
    Every reason in a quarantine model's `quarantine_reasons` lists is one of the checks
    declared for its entity in macros/quality/quarantine_checks.sql, so the DQ metrics
    report every reason that quarantines a record. Returns one row per undeclared reason.
#}
{% test quarantine_reasons_declared(model, entity) %}
    {%- set declared = lakehouse_bi.quarantine_checks().get(entity) %}
    {%- if declared is none %}
        {{ exceptions.raise_compiler_error(
            "quarantine_reasons_declared: entity '" ~ entity ~ "' has no checks in "
            ~ "macros/quality/quarantine_checks.sql; add it there or fix the test's entity") }}
    {%- endif %}
    with records as (

        select quarantine_reasons as reasons
        from {{ model }}
        where quarantine_reasons != ''

    ),

    explained as (

        -- Removing every declared reason from the list must leave nothing but commas. Each
        -- replace runs twice: a reason can repeat (two columns of one record with bad_type),
        -- and replace() skips the second of two adjacent matches that share a comma.
        select
            reasons,
            {%- set ns = namespace(expression="',' || reasons || ','") %}
            {%- for reason in declared %}
                {%- for _ in range(2) %}
                    {%- set ns.expression = "replace(" ~ ns.expression ~ ", '," ~ reason ~ ",', ',')" %}
                {%- endfor %}
            {%- endfor %}
            {{ ns.expression }} as leftover
        from records

    )

    select reasons, leftover
    from explained
    where replace(leftover, ',', '') != ''
{% endtest %}
