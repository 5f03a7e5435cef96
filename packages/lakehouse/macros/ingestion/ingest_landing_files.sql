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
{% macro ingest_landing_files(landing_table) %}
    {#- The model passes `source('landing', <table>)`, so its lineage shows the source; the
        relation's identifier is the table's name (nothing is read at parse time). -#}
    {%- set entity = lakehouse.detect_schema_changes(lakehouse.landing_entity(landing_table.identifier)) -%}
    with landed as (
        {{ lakehouse.read_landing_files(entity) }}
    ),

    -- Per file, not per record: its path relative to the landing root, name and batch.
    landed_files as (
        select
            _source_path,
            regexp_extract(_source_path, '[^/]+/batch=[^/]+/[^/]+$', 0) as _source_file
        from landed
        group by _source_path
    ),

    new_files as (
        select
            _source_path,
            _source_file,
            regexp_extract(_source_file, '[^/]+$', 0) as _file_name,
            regexp_extract(_source_file, 'batch=([^/]+)', 1) as _batch_id
        from landed_files
        {% if is_incremental() -%}
        where _source_file not in ({{ lakehouse.ingested_source_files(this) }})
        {%- endif %}
    ),

    {%- if is_incremental() %}

    -- A join, not `in (subquery)` inside the expression below: Spark-family planners
    -- (Sail 0.7) cannot run a subquery nested in a select-list OR.
    ingested_names as (
        select distinct regexp_extract(ingested._source_file, '[^/]+$', 0) as _file_name
        from ({{ lakehouse.ingested_source_files(this) }}) as ingested
    ),
    {%- endif %}

    deliveries as (
        select
            new_files.*,
            (
                new_files._source_file
                != min(new_files._source_file) over (partition by new_files._file_name)
                {%- if is_incremental() %}
                or ingested_names._file_name is not null
                {%- endif %}
            ) as _is_redelivered
        from new_files
        {%- if is_incremental() %}
        left join ingested_names on new_files._file_name = ingested_names._file_name
        {%- endif %}
    )

    select
        {% for column in entity.columns -%}
            landed.{{ adapter.quote(column) }},
        {% endfor -%}
        landed._corrupt_record,
        deliveries._source_file,
        landed._source_line,
        deliveries._batch_id,
        deliveries._is_redelivered,
        {{ dbt.current_timestamp() }} as _ingested_at
    from landed
    inner join deliveries on landed._source_path = deliveries._source_path
{% endmacro %}
