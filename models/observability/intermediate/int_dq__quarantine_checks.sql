-- Records each declared quarantine check caught, per entity and run date: a record failing
-- two checks counts under both; zero rows are kept, so each check has a row on each run date.
with run_dates as (
    select distinct
        entity,
        table_name,
        cast(_ingested_at as date) as run_date
    from {{ ref('int_landed_records__unioned') }}
    where stage = 'landed'
),

-- The checks each entity declares (the registry: its load's standard checks and meta.checks).
checks as (
    {{ lakehouse.landing_entity_checks() }}
),

quarantined as (
    select
        records.entity,
        cast(records._ingested_at as date) as run_date,
        checks.check_name,
        count(*) as rows_quarantined
    from {{ ref('int_landed_records__unioned') }} as records
    inner join checks
        on
            records.entity = checks.entity
            and {{ lakehouse.quarantine_reason_matches(
                'records.quarantine_reasons', 'checks.check_name') }}
    where records.stage = 'quarantined'
    group by 1, 2, 3
)

select
    run_dates.table_name,
    run_dates.run_date,
    checks.check_name,
    coalesce(quarantined.rows_quarantined, 0) as rows_quarantined
from run_dates
inner join checks on run_dates.entity = checks.entity
left join quarantined
    on
        run_dates.entity = quarantined.entity
        and run_dates.run_date = quarantined.run_date
        and checks.check_name = quarantined.check_name
