{{ config(materialized='incremental', incremental_strategy='append') }}

{{ lakehouse.quarantined_records(ref('int_web_events__checked')) }}
