-- Data-quality metrics, one row per table, check and run date, for plotting over time:
-- quarantine checks (rows in, passed, quarantined, rate) and dbt tests (runs passed, warned,
-- failed, failing rows), each beside its table's freshness lag on that date.
with landed as (

    select * from {{ ref('int_dq__landed_records') }}

),

quarantine_checks as (

    select * from {{ ref('int_dq__quarantine_checks') }}

),

test_results as (

    select * from {{ ref('int_dq__test_results') }}

),

rule_rows as (

    select
        quarantine_checks.table_name,
        quarantine_checks.run_date,
        'quarantine_check' as check_type,
        quarantine_checks.check_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        'quarantine' as severity,
        landed.rows_in,
        landed.rows_in - quarantine_checks.rows_quarantined as rows_passed,
        quarantine_checks.rows_quarantined,
        cast(null as {{ dbt.type_bigint() }}) as tests_run,
        cast(null as {{ dbt.type_bigint() }}) as tests_passed,
        cast(null as {{ dbt.type_bigint() }}) as tests_warned,
        cast(null as {{ dbt.type_bigint() }}) as tests_failed,
        cast(null as {{ dbt.type_bigint() }}) as failed_rows
    from quarantine_checks
    inner join landed
        on
            quarantine_checks.table_name = landed.table_name
            and quarantine_checks.run_date = landed.run_date

),

test_rows as (

    select
        test_results.table_name,
        test_results.run_date,
        'dbt_test' as check_type,
        test_results.check_name,
        test_results.column_name,
        test_results.severity,
        landed.rows_in,
        cast(null as {{ dbt.type_bigint() }}) as rows_passed,
        cast(null as {{ dbt.type_bigint() }}) as rows_quarantined,
        test_results.tests_run,
        test_results.tests_passed,
        test_results.tests_warned,
        test_results.tests_failed,
        test_results.failed_rows
    from test_results
    left join landed
        on
            test_results.table_name = landed.table_name
            and test_results.run_date = landed.run_date

),

checks as (

    select * from rule_rows
    union all
    select * from test_rows

)

select
    checks.table_name,
    checks.run_date,
    checks.check_type,
    checks.check_name,
    checks.column_name,
    checks.severity,
    checks.rows_in,
    checks.rows_passed,
    checks.rows_quarantined,
    cast(checks.rows_quarantined as double) / nullif(checks.rows_in, 0) as quarantine_rate,
    checks.tests_run,
    checks.tests_passed,
    checks.tests_warned,
    checks.tests_failed,
    checks.failed_rows,
    landed.freshness_lag_hours
from checks
left join landed
    on
        checks.table_name = landed.table_name
        and checks.run_date = landed.run_date
