{#
    The entity's landing files this run ingests, in batch order, as (path, size in bytes,
    modification time):
    every file on a full build, only files whose path is not in bronze yet on an incremental
    run (the same rule as the bronze filter; a re-delivered copy under a new path is read,
    then flagged by bronze). Schema-change detection looks at these files
    and no others. Only file metadata is read, never the content.
#}
{% macro list_new_landing_files(entity) %}
    {%- set query -%}
        with landed_files as (
            {{ adapter.dispatch('landing_file_listing', 'lakehouse')(entity) }}
        )

        select distinct
            file_path,
            file_size,
            file_modified_at
        from landed_files
        {%- if is_incremental() %}
        where
            regexp_extract(file_path, '[^/]+/batch=[^/]+/[^/]+$', 0) not in (
                {{ lakehouse.ingested_source_files(this) }}
            )
        {%- endif %}
        order by file_path
    {%- endset -%}
    {%- set files = [] -%}
    {%- for file_path, file_size, file_modified_at in run_query(query).rows -%}
        {%- do files.append((file_path, file_size, file_modified_at)) -%}
    {%- endfor -%}
    {{ return(files) }}
{% endmacro %}

{% macro duckdb__landing_file_listing(entity) %}
    select
        filename as file_path,
        size as file_size,
        last_modified as file_modified_at
    from read_blob({{ lakehouse.sql_string_literal(entity.glob) }})
{% endmacro %}

{# binaryFile with only path and length selected reads no file content. #}
{% macro databricks__landing_file_listing(entity) %}
    select
        path as file_path,
        length as file_size,
        modificationTime as file_modified_at
    from read_files({{ lakehouse.sql_string_literal(entity.glob) }}, format => 'binaryFile')
{% endmacro %}
