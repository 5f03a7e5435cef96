{#
    The body of every bronze model: landed records plus ingestion metadata, incremental by
    file: a file whose path is already in the table is never ingested again.
#}
{% macro ingest_landing_files(table_name) %}
    {%- set entity = landing_entity(table_name) -%}
    with landed as (
        {{ read_landing_files(entity) }}
    )

    select
        landed.*,
        regexp_extract(_source_file, 'batch=([^/]+)', 1) as _batch_id,
        {{ dbt.current_timestamp() }} as _ingested_at
    from landed
    {% if is_incremental() -%}
    where _source_file not in (select distinct ingested._source_file from {{ this }} as ingested)
    {%- endif %}
{% endmacro %}
