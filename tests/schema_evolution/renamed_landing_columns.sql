-- Warns (never fails: permissive accepted the file) on each probable rename in the files of
-- an entity's latest ingestion: the file, the declared column it lacks and the undeclared
-- one it holds. Stored failures keep those rows (names only) in the observability schema.
{{ config(severity='warn', store_failures=true, schema='observability') }}

select
    source_table,
    source_file,
    dropped_column,
    added_column,
    batch_id
from {{ ref('schema_renamed_columns') }}
where is_latest_ingestion
