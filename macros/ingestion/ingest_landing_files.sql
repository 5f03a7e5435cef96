{#
    The body of every bronze model: landed records plus ingestion metadata, incremental by
    file. `_source_file` is the path relative to the landing root (`<entity>/batch=<id>/<file>`),
    so moving or remounting the landing zone changes nothing. File names are unique by
    contract (docs/LANDING.md): a name already ingested is skipped, so a file delivered again,
    in any batch folder, ingests nothing new. Before reading, each new file's columns are
    checked against the contract (detect_schema_changes, per the source's schema_evolution).
#}
{% macro ingest_landing_files(table_name) %}
    {%- set entity = detect_schema_changes(landing_entity(table_name)) -%}
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
    where
        regexp_extract(_source_file, '[^/]+$', 0) not in (
            select distinct regexp_extract(ingested._source_file, '[^/]+$', 0)
            from {{ this }} as ingested
        )
    {%- endif %}
{% endmacro %}
