{{ config(materialized='incremental', incremental_strategy='append') }}

{{ lakehouse.quarantined_records(ref('int_customers__checked')) }}
