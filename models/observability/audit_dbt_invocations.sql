-- The audit trail: one row per dbt invocation (who, what, when, where, why, outcome), as the
-- on-run-end hook recorded it, with its wall-clock duration.
with invocation_log as (

    select * from {{ source('audit', 'dbt_invocation_log') }}

)

select
    invocation_id,
    command,
    invocation_command,
    selected,
    excluded,
    selector,
    nodes_run,
    status,
    actor,
    actor_source,
    warehouse_user,
    reason,
    target_name,
    adapter_type,
    target_database,
    target_schema,
    git_commit,
    dbt_version,
    nodes_total,
    nodes_error,
    nodes_warn,
    nodes_skipped,
    {{ dbt.datediff('run_started_at', 'run_ended_at', 'second') }} as duration_seconds,  -- noqa: LT05
    is_full_refresh,
    status != 'error' as is_success,
    run_started_at,
    run_ended_at
from invocation_log
