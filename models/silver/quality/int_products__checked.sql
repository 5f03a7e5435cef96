{{ config(materialized='view') }}

-- Product change feed with every check applied: quarantine_reasons is '' for a valid record.
select
    *,
    record_issues as quarantine_reasons
from {{ ref('stg_landing__products') }}
