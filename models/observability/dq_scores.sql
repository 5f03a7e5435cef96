-- The DQ score per table and run date: the share of landed records that passed every
-- quarantine check times the share of dbt tests that passed (warnings count against it),
-- as a percentage; a side with nothing to measure counts as 1. Thresholds on the latest
-- run's quarantine rate are tests (vars dq_quarantine_rate_warn / dq_quarantine_rate_error).
with landed as (

    select * from {{ ref('int_dq__landed_records') }}

),

tests as (

    select
        table_name,
        run_date,
        sum(tests_run) as tests_run,
        sum(tests_passed) as tests_passed,
        sum(tests_warned) as tests_warned,
        sum(tests_failed) as tests_failed
    from {{ ref('int_dq__test_results') }}
    group by 1, 2

),

joined as (

    select
        coalesce(landed.table_name, tests.table_name) as table_name,
        coalesce(landed.run_date, tests.run_date) as run_date,
        landed.entity,
        landed.rows_in,
        landed.rows_passed,
        landed.rows_quarantined,
        cast(landed.rows_quarantined as double) / nullif(landed.rows_in, 0) as quarantine_rate,
        coalesce(tests.tests_run, 0) as tests_run,
        coalesce(tests.tests_passed, 0) as tests_passed,
        coalesce(tests.tests_warned, 0) as tests_warned,
        coalesce(tests.tests_failed, 0) as tests_failed,
        landed.freshness_lag_hours
    from landed
    full outer join tests
        on
            landed.table_name = tests.table_name
            and landed.run_date = tests.run_date

)

select
    *,
    round(
        100
        * coalesce(cast(rows_passed as double) / nullif(rows_in, 0), 1)
        * coalesce(cast(tests_passed as double) / nullif(tests_run, 0), 1),
        2
    ) as dq_score,
    run_date = max(run_date) over (partition by table_name) as is_latest_run
from joined
