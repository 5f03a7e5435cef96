{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['entity', 'record_key'],
        on_schema_change='fail',
    )
}}

-- Per entity and key: the version record_conservation counts, how many valid versions the
-- key has, and that version's outcome in the current-state table. Incremental on the keys
-- that received new valid records, so the reconciliation never re-ranks the whole history.
{{ union_per_entity(landed_entities(), conservation_latest_versions) }}
