-- Conservation of landed records, per entity and batch: every bronze record is counted in
-- exactly one outcome, each counted from the stage of int_landed_records__unioned that holds
-- it. `unaccounted` = landed - all outcomes must be 0 (a test).
--   redelivered      records of a re-delivered file (a file name already delivered): kept
--                    in bronze, never read further
--   quarantined      rows of the quarantine model
--   superseded       valid records that are not their key's counted version (older
--                    versions, duplicate deliveries): valid records minus counted versions
--   applied          live rows of the current-state relation, by the batch that delivered them
--   deletes_applied  the key's counted version is a delete and the key is gone
--   not_applied      the key's counted version is missing from the current state (late
--                    data, see late_changes_not_applied)
-- Counts only: the per-key work is int_conservation__counted_versions (incremental).
with stage_counts as (
    select
        entity,
        _batch_id,
        -- count(), not sum(): a bigint on both engines.
        count(case when stage = 'landed' then 1 end) as landed,
        count(case when stage = 'landed' and is_redelivered then 1 end) as redelivered,
        count(case when stage = 'quarantined' then 1 end) as quarantined,
        count(case when stage = 'checked' and quarantine_reasons = '' then 1 end) as valid_records,
        count(case when stage = 'current' then 1 end) as applied
    from {{ ref('int_landed_records__unioned') }}
    group by 1, 2
),

counted as (
    select
        entity,
        counted_batch_id as _batch_id,
        count(*) as counted,
        count(case when outcome = 'delete_applied' then 1 end) as deletes_applied,
        count(case when outcome = 'not_applied' then 1 end) as not_applied
    from {{ ref('int_conservation__counted_versions') }}
    group by 1, 2
),

outcomes as (
    select
        stage_counts.entity,
        stage_counts._batch_id,
        stage_counts.landed,
        stage_counts.redelivered,
        stage_counts.quarantined,
        stage_counts.valid_records - coalesce(counted.counted, 0) as superseded,
        stage_counts.applied,
        coalesce(counted.deletes_applied, 0) as deletes_applied,
        coalesce(counted.not_applied, 0) as not_applied
    from stage_counts
    left join counted
        on
            stage_counts.entity = counted.entity
            and stage_counts._batch_id = counted._batch_id
    -- A batch is a batch of this entity once bronze holds a record of it.
    where stage_counts.landed > 0
)

select
    entity,
    _batch_id,
    landed,
    redelivered,
    quarantined,
    superseded,
    applied,
    deletes_applied,
    not_applied,
    landed - redelivered - quarantined - superseded - applied - deletes_applied - not_applied
        as unaccounted
from outcomes
