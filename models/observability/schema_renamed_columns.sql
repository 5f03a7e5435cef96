-- Probable renames of landing columns under `permissive` (docs/ARCHITECTURE.md, Schema
-- evolution): a file that lacks a declared column and holds an undeclared one, from
-- observability.schema_change_log. One row per file and (dropped, added) pair; column
-- names only, never values. int_landed_records__unioned orders it after every bronze model
-- (they write the log) and gives the files of each entity's latest ingestion: the warn test
-- judges those only, so a warning holds until the entity ingests its next files.
with changes as (

    select
        invocation_id,
        model_name,
        source_table,
        batch_id,
        source_file,
        column_name,
        change_kind,
        schema_evolution_mode,
        detected_at,
        max(detected_at) over (partition by model_name, source_file) as file_detected_at
    from {{ source('schema_evolution', 'schema_change_log') }}

),

-- The latest detection of each file (a full refresh detects again), permissive only.
dropped_or_added as (

    select *
    from changes
    where
        detected_at = file_detected_at
        and schema_evolution_mode = 'permissive'
        and change_kind in ('column_dropped', 'column_added')

),

renames as (

    select
        dropped.model_name,
        dropped.source_table,
        dropped.batch_id,
        dropped.source_file,
        dropped.column_name as dropped_column,
        added.column_name as added_column,
        dropped.detected_at
    from dropped_or_added as dropped
    inner join dropped_or_added as added
        on
            dropped.invocation_id = added.invocation_id
            and dropped.model_name = added.model_name
            and dropped.source_file = added.source_file
    where
        dropped.change_kind = 'column_dropped'
        and added.change_kind = 'column_added'

),

landed as (

    select * from {{ ref('int_landed_records__unioned') }}
    where stage = 'landed'

),

-- The files of each entity's latest ingestion: one bronze run stamps its rows with one time.
latest as (

    select
        entity,
        max(_ingested_at) as latest_ingested_at
    from landed
    group by 1

),

latest_ingestions as (

    select distinct
        'landing.' || landed.entity as source_table,
        landed._source_file as source_file
    from landed
    inner join latest
        on
            landed.entity = latest.entity
            and landed._ingested_at = latest.latest_ingested_at

)

select
    renames.model_name,
    renames.source_table,
    renames.batch_id,
    renames.source_file,
    renames.dropped_column,
    renames.added_column,
    renames.detected_at,
    latest_ingestions.source_file is not null as is_latest_ingestion
from renames
left join latest_ingestions
    on
        renames.source_table = latest_ingestions.source_table
        and renames.source_file = latest_ingestions.source_file
