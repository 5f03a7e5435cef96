{#
    Every reason in a quarantine model's `quarantine_reasons` lists is one of the checks its
    entity declares in the registry (landing_entities(): the load's standard checks and
    meta.checks), so the DQ metrics report every reason that quarantines a record. Returns
    one row per undeclared reason.
#}
{% test quarantine_reasons_declared(model, entity) %}
    {%- set declared = lakehouse.landing_entity_named(entity).checks if execute else [] %}
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
