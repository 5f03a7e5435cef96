{{ config(materialized='incremental', incremental_strategy='append') }}

{{ quarantined_records(ref('int_orders__checked')) }}
