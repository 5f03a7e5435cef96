{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Product change feed with every check applied: quarantine_reasons is '' for a valid record.
select
    *,
    record_issues as quarantine_reasons
from {{ ref('stg_landing__products') }}
where {{ ingested_since_last_run() }}
