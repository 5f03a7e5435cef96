{#
    The body of every bronze model: every landed record plus ingestion metadata, incremental
    by file path. `_source_file` is the path relative to the landing root
    (`<entity>/batch=<id>/<file>`), so moving or remounting the landing zone changes nothing;
    with `_source_line` it identifies the record. File names are unique by contract
    (docs/LANDING.md): a file whose name was already delivered under another path is a
    re-delivery. Its records are kept here, counted, with `_is_redelivered` true, and go no
    further: the first delivery of a name (the earliest batch folder, then path, or the one
    an earlier run ingested) is the one silver reads, on incremental runs and after a full
    refresh alike. Before reading, each new file's columns are checked against the contract
    (detect_schema_changes, per the source's schema_evolution).
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
    ),

    new_records as (
        select
            located.*,
            regexp_extract(_source_file, '[^/]+$', 0) as _file_name
        from located
        {% if is_incremental() -%}
        where _source_file not in (select distinct ingested._source_file from {{ this }} as ingested)
        {%- endif %}
    ),

    first_deliveries as (
        select
            _file_name,
            min(_source_file) as first_source_file
        from new_records
        group by _file_name
    )

    select
        {% for column in entity.columns -%}
            new_records.{{ adapter.quote(column) }},
        {% endfor -%}
        new_records._corrupt_record,
        new_records._source_file,
        new_records._source_line,
        regexp_extract(new_records._source_file, 'batch=([^/]+)', 1) as _batch_id,
        (
            new_records._source_file != first_deliveries.first_source_file
            {%- if is_incremental() %}
            or new_records._file_name in (
                select distinct regexp_extract(ingested._source_file, '[^/]+$', 0)
                from {{ this }} as ingested
            )
            {%- endif %}
        ) as _is_redelivered,
        {{ dbt.current_timestamp() }} as _ingested_at
    from new_records
    inner join first_deliveries on new_records._file_name = first_deliveries._file_name
{% endmacro %}
