-- Actual spend per dbt model from the Databricks system tables (`lakehouse-bi cost actual`;
-- method and sources: docs/OBSERVABILITY.md, "Cost attribution").
--
-- A SQL warehouse is billed per usage window (system.billing.usage, one record per warehouse,
-- SKU and window), not per statement. Each window's DBUs, priced at the effective list price
-- in force when it started (system.billing.list_prices), are split among the statements that
-- ran on that warehouse during the window (system.query.history) in proportion to the time
-- each statement spent inside the window; a statement's tags (query_tags) name its project,
-- target, layer, dbt model and job run. Every statement on the warehouse counts in the split,
-- ours or not: what other workloads used is reported as `other_workloads`, billed windows in
-- which nothing ran (start-up, idle until auto-stop) as `idle`.
--
-- Parameters (statement execution API, named markers): window_start, window_end (TIMESTAMP,
-- usage windows starting in [window_start, window_end)), project, and target / job_run_id
-- ('' for any). Tests: tests/unit/test_cost_attribution_sql.py (DuckDB over fixture system
-- tables, sqlfluff's databricks dialect). Lint: `cd python/lakehouse_bi/ops/sql && sqlfluff
-- lint cost_per_model.sql` (the .sqlfluff beside this file).
with warehouse_usage as (
    -- DBUs per warehouse and usage window. RETRACTION and RESTATEMENT records correct earlier
    -- ones within the same window, so the sum of a window's records is its corrected usage.
    select
        u.workspace_id,
        u.usage_metadata.warehouse_id as warehouse_id,
        u.usage_start_time as window_start,
        u.usage_end_time as window_end,
        max(p.currency_code) as currency_code,
        sum(cast(u.usage_quantity as decimal(24, 9))) as dbus,
        sum(
            cast(u.usage_quantity as decimal(24, 9))
            * cast(p.pricing.effective_list.default as decimal(20, 9))
        ) as list_cost
    from system.billing.usage as u
    inner join system.billing.list_prices as p
        on
            u.sku_name = p.sku_name
            and u.cloud = p.cloud
            and u.usage_unit = p.usage_unit
            and u.usage_start_time >= p.price_start_time
            and (p.price_end_time is null or u.usage_start_time < p.price_end_time)
    where
        u.usage_unit = 'DBU'
        and u.usage_metadata.warehouse_id is not null
        and u.usage_start_time >= :window_start
        and u.usage_start_time < :window_end
    group by
        u.workspace_id,
        u.usage_metadata.warehouse_id,
        u.usage_start_time,
        u.usage_end_time
),

billed_span as (
    select
        min(window_start) as first_start,
        max(window_end) as last_end
    from warehouse_usage
),

statements as (
    -- Every finished statement that overlaps the billed windows, tagged or not (a window can
    -- end after :window_end: its later statements still share its cost).
    select
        h.workspace_id,
        h.compute.warehouse_id as warehouse_id,
        h.statement_id,
        h.start_time,
        h.end_time,
        h.query_tags['project'] as project,
        h.query_tags['target'] as target,
        h.query_tags['layer'] as layer,
        h.query_tags['@@dbt_model_name'] as model,
        h.query_tags['@@dbt_materialized'] as materialized,
        coalesce(
            h.query_tags['job_run_id'], cast(h.query_source.job_info.job_run_id as string)
        ) as job_run_id
    from system.query.history as h
    cross join billed_span
    where
        h.compute.warehouse_id is not null
        and h.end_time is not null
        and h.start_time < billed_span.last_end
        and h.end_time > billed_span.first_start
),

ours as (
    select
        workspace_id,
        warehouse_id
    from statements
    where
        project = :project
        and (:target = '' or target = :target)
        and (:job_run_id = '' or job_run_id = :job_run_id)
    group by workspace_id, warehouse_id
),

billed as (
    -- Only the warehouses the selected runs used.
    select warehouse_usage.*
    from warehouse_usage
    inner join ours
        on
            warehouse_usage.workspace_id = ours.workspace_id
            and warehouse_usage.warehouse_id = ours.warehouse_id
),

occupancy as (
    -- Each statement's time inside each billing window it overlaps.
    select
        b.workspace_id,
        b.warehouse_id,
        b.window_start,
        b.currency_code,
        b.dbus,
        b.list_cost,
        s.statement_id,
        s.model,
        s.layer,
        s.materialized,
        s.target,
        coalesce(
            s.project = :project
            and (:target = '' or s.target = :target)
            and (:job_run_id = '' or s.job_run_id = :job_run_id),
            false
        ) as is_ours,
        timestampdiff(
            millisecond,
            greatest(s.start_time, b.window_start),
            least(s.end_time, b.window_end)
        ) as busy_ms
    from billed as b
    inner join statements as s
        on
            b.workspace_id = s.workspace_id
            and b.warehouse_id = s.warehouse_id
            and b.window_end > s.start_time
            and b.window_start < s.end_time
),

shares as (
    select
        *,
        sum(busy_ms) over (
            partition by workspace_id, warehouse_id, window_start
        ) as window_busy_ms
    from occupancy
),

attributed as (
    select
        statement_id,
        model,
        layer,
        materialized,
        target,
        is_ours,
        busy_ms,
        currency_code,
        coalesce(dbus * busy_ms / nullif(window_busy_ms, 0), 0) as dbus,
        coalesce(list_cost * busy_ms / nullif(window_busy_ms, 0), 0) as list_cost
    from shares
)

select
    'model' as row_kind,
    target,
    layer,
    model,
    materialized,
    max(currency_code) as currency_code,
    count(distinct statement_id) as statements,
    sum(busy_ms) as busy_ms,
    cast(round(sum(dbus), 6) as decimal(38, 6)) as dbus,
    cast(round(sum(list_cost), 6) as decimal(38, 6)) as list_cost
from attributed
where is_ours
group by target, layer, model, materialized

union all

select
    'other_workloads' as row_kind,
    null as target,
    null as layer,
    null as model,
    null as materialized,
    max(currency_code) as currency_code,
    count(distinct statement_id) as statements,
    sum(busy_ms) as busy_ms,
    cast(round(sum(dbus), 6) as decimal(38, 6)) as dbus,
    cast(round(sum(list_cost), 6) as decimal(38, 6)) as list_cost
from attributed
where not is_ours
having count(*) > 0

union all

select
    'idle' as row_kind,
    null as target,
    null as layer,
    null as model,
    null as materialized,
    max(b.currency_code) as currency_code,
    0 as statements,
    0 as busy_ms,
    cast(round(sum(b.dbus), 6) as decimal(38, 6)) as dbus,
    cast(round(sum(b.list_cost), 6) as decimal(38, 6)) as list_cost
from billed as b
left anti join occupancy as o
    on
        b.workspace_id = o.workspace_id
        and b.warehouse_id = o.warehouse_id
        and b.window_start = o.window_start
having count(*) > 0
