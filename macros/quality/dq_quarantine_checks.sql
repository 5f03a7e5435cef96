{#
    One entity's quarantine checks per run date: for every check declared in
    quarantine_checks(), the landed records it quarantined (a record failing two checks
    counts under both). Zero rows are kept so each check has a row on each run date.
#}
{% macro dq_quarantine_checks(entity) %}
    with run_dates as (
        select distinct cast(_ingested_at as date) as run_date
        from {{ ref('bronze_' ~ entity.entity) }}
    ),

    checks as (
        {%- for reason in quarantine_checks()[entity.entity] %}
        select '{{ reason }}' as check_name{{ ' union all' if not loop.last }}
        {%- endfor %}
    ),

    quarantined as (
        select
            cast(quarantine._ingested_at as date) as run_date,
            checks.check_name,
            count(*) as rows_quarantined
        from {{ ref('quarantine_' ~ entity.entity) }} as quarantine
        inner join checks
            on {{ quarantine_reason_matches('quarantine.quarantine_reasons', 'checks.check_name') }}
        group by 1, 2
    )

    select
        '{{ entity.current }}' as table_name,
        run_dates.run_date,
        checks.check_name,
        coalesce(quarantined.rows_quarantined, 0) as rows_quarantined
    from run_dates
    cross join checks
    left join quarantined
        on
            run_dates.run_date = quarantined.run_date
            and checks.check_name = quarantined.check_name
{% endmacro %}
