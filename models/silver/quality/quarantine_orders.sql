{{ config(materialized='incremental', incremental_strategy='append') }}

{{ lakehouse.quarantined_records(ref('int_orders__checked')) }}
