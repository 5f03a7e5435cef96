{#
    The body of every bronze model: landed records plus ingestion metadata, incremental by
    file: a file already in the table is never ingested again. Files are identified by their
    path relative to the landing root (`<entity>/batch=<id>/<file>`), so moving or remounting
    the landing zone does not re-ingest it.
#}
{% macro ingest_landing_files(table_name) %}
    {%- set entity = landing_entity(table_name) -%}
    with landed as (
        {{ read_landing_files(entity) }}
    ),

    located as (
        select
            landed.*,
            regexp_extract(_source_path, '[^/]+/batch=[^/]+/[^/]+$', 0) as _source_file
        from landed
    )

    select
        {% for column in entity.columns -%}
            {{ adapter.quote(column) }},
        {% endfor -%}
        _source_file,
        regexp_extract(_source_file, 'batch=([^/]+)', 1) as _batch_id,
        {{ dbt.current_timestamp() }} as _ingested_at
    from located
    {% if is_incremental() -%}
    where _source_file not in (select distinct ingested._source_file from {{ this }} as ingested)
    {%- endif %}
{% endmacro %}
