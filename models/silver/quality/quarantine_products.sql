{{ config(materialized='incremental', incremental_strategy='append') }}

{{ quarantined_records(ref('int_products__checked')) }}
