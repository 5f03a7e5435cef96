-- Pipeline health per model, snapshot and seed of this project: its last run's status,
-- duration and rows, its history, and when it last succeeded. Built on Elementary's run
-- artifacts plus the audit row counts. A view on purpose: Elementary uploads an invocation's
-- results in its on-run-end hook, after this model ran, so a table would lag one run.
with nodes as (

    select
        unique_id,
        name as node_name,
        'model' as resource_type,
        schema_name,
        materialization
    from {{ ref('elementary', 'dbt_models') }}
    where package_name = '{{ project_name }}'

    union all

    select
        unique_id,
        name as node_name,
        'snapshot' as resource_type,
        schema_name,
        materialization
    from {{ ref('elementary', 'dbt_snapshots') }}
    where package_name = '{{ project_name }}'

    union all

    select
        unique_id,
        name as node_name,
        'seed' as resource_type,
        schema_name,
        'seed' as materialization
    from {{ ref('elementary', 'dbt_seeds') }}
    where package_name = '{{ project_name }}'

),

run_results as (

    select
        unique_id,
        invocation_id,
        status,
        message,
        execution_time as duration_seconds,
        rows_affected,
        created_at as run_at
    from {{ ref('elementary', 'dbt_run_results') }}
    where resource_type in ('model', 'snapshot', 'seed')

),

last_runs as (

    select *
    from run_results
    qualify row_number() over (partition by unique_id order by run_at desc) = 1

),

run_history as (

    select
        unique_id,
        count(*) as run_count,
        sum(case when status = 'error' then 1 else 0 end) as error_count,
        avg(duration_seconds) as average_duration_seconds,
        max(case when status = 'success' then run_at end) as last_success_at
    from run_results
    group by 1

),

row_counts as (

    select
        unique_id,
        row_count,
        lag(row_count) over (partition by unique_id order by counted_at) as previous_row_count,
        counted_at
    from {{ source('audit', 'dbt_relation_row_counts') }}
    qualify row_number() over (partition by unique_id order by counted_at desc) = 1

)

select
    nodes.unique_id,
    last_runs.invocation_id as last_invocation_id,
    nodes.node_name,
    nodes.resource_type,
    nodes.schema_name,
    nodes.materialization,
    last_runs.status as last_run_status,
    last_runs.message as last_run_message,
    last_runs.duration_seconds as last_run_duration_seconds,
    run_history.average_duration_seconds,
    last_runs.rows_affected as last_rows_affected,
    row_counts.row_count as last_row_count,
    row_counts.row_count - row_counts.previous_row_count as last_row_count_change,
    coalesce(run_history.run_count, 0) as run_count,
    coalesce(run_history.error_count, 0) as error_count,
    coalesce(last_runs.status = 'error', false) as is_last_run_failed,
    last_runs.run_at as last_run_at,
    run_history.last_success_at,
    row_counts.counted_at as last_counted_at
from nodes
left join last_runs
    on nodes.unique_id = last_runs.unique_id
left join run_history
    on nodes.unique_id = run_history.unique_id
left join row_counts
    on nodes.unique_id = row_counts.unique_id
