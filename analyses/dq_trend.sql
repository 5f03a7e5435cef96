-- DQ score trend per entity: each run's score, the change from the previous run and the
-- average of the last 7 runs, newest first. A falling 7-run average is a slow decline that the
-- per-run thresholds (dq_quarantine_rate_warn / _error) do not catch. Compile with
-- `dbt compile -s dq_trend`.
with scores as (
    select
        entity,
        run_date,
        dq_score,
        quarantine_rate
    from {{ ref('dq_scores') }}
)

select
    entity,
    run_date,
    dq_score,
    quarantine_rate,
    dq_score - lag(dq_score) over (
        partition by entity order by run_date
    ) as dq_score_change,
    avg(dq_score) over (
        partition by entity order by run_date
        rows between 6 preceding and current row
    ) as dq_score_7_run_average
from scores
order by 1 asc, 2 desc
