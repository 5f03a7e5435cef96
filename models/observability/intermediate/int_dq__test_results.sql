-- The project's dbt test outcomes per tested table, test and run date, from Elementary's
-- test-result history (uploaded at the end of each invocation). Skipped tests did not run.
with test_results as (

    select
        table_name,
        cast(detected_at as date) as run_date,
        test_name,
        test_short_name,
        column_name,
        severity,
        lower(status) as status,
        failures
    from {{ ref('elementary', 'elementary_test_results') }}
    where
        test_unique_id like 'test.{{ project_name }}.%'
        and table_name is not null
        and lower(status) in ('pass', 'warn', 'fail', 'error')

)

select
    table_name,
    run_date,
    test_name as check_name,
    test_short_name as test_type,
    column_name,
    max(severity) as severity,
    count(*) as tests_run,
    sum(case when status = 'pass' then 1 else 0 end) as tests_passed,
    sum(case when status = 'warn' then 1 else 0 end) as tests_warned,
    sum(case when status in ('fail', 'error') then 1 else 0 end) as tests_failed,
    sum(coalesce(failures, 0)) as failed_rows
from test_results
group by 1, 2, 3, 4, 5
