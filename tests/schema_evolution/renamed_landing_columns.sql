-- Warns (never fails: permissive accepted the file) on each probable rename in the files of
-- an entity's latest ingestion: the file, the declared column it lacks and the undeclared
-- one it holds, each named in the warning (meta.failure_message, macros/utils/
-- materialization_test.sql). Stored failures keep those rows (names only) in the
-- observability schema.
{{ config(
    severity='warn', store_failures=true, schema='observability',
    meta={'failure_message': '{source_file}: declared column `{dropped_column}` missing, '
        ~ 'undeclared `{added_column}` present ({source_table}: probable rename). '
        ~ 'The declared column was loaded as null. If it is a rename, declare the new name '
        ~ 'in models/bronze/landing/_landing__sources.yml; else ask the producer to '
        ~ 're-deliver the file.'},
) }}

select
    source_table,
    source_file,
    dropped_column,
    added_column,
    batch_id
from {{ ref('schema_renamed_columns') }}
where is_latest_ingestion
