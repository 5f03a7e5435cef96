-- Landed records per entity and run date (the date bronze ingested them; re-delivered files,
-- which silver never reads, left out): rows in, rows quarantined for any reason, rows passed,
-- and the newest valid record's own time next to its ingestion time (the freshness lag).
with landed as (
    select
        entity,
        table_name,
        cast(_ingested_at as date) as run_date,
        count(*) as rows_in,
        max(_ingested_at) as last_ingested_at
    from {{ ref('int_landed_records__unioned') }}
    where stage = 'landed' and not is_redelivered
    group by 1, 2, 3
),

quarantined as (
    select
        entity,
        cast(_ingested_at as date) as run_date,
        count(*) as rows_quarantined
    from {{ ref('int_landed_records__unioned') }}
    where stage = 'quarantined'
    group by 1, 2
),

newest as (
    select
        entity,
        cast(_ingested_at as date) as run_date,
        max(changed_at) as newest_record_at
    from {{ ref('int_landed_records__unioned') }}
    where stage = 'checked' and quarantine_reasons = ''
    group by 1, 2
)

select
    landed.entity,
    landed.table_name,
    landed.run_date,
    landed.rows_in,
    coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
    landed.rows_in - coalesce(quarantined.rows_quarantined, 0) as rows_passed,
    newest.newest_record_at,
    landed.last_ingested_at,
    -- DuckDB renders dbt.datediff as one long line.
    {{ dbt.datediff('newest.newest_record_at', 'landed.last_ingested_at', 'minute') }} / 60.0  -- noqa: LT05
        as freshness_lag_hours
from landed
left join quarantined
    on landed.entity = quarantined.entity and landed.run_date = quarantined.run_date
left join newest
    on landed.entity = newest.entity and landed.run_date = newest.run_date
