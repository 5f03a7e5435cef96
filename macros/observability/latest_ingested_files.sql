{#
    The files of one entity's latest ingestion: one bronze run stamps all its rows with one
    _ingested_at. `entity` is an item of landed_entities() (bronze_<entity>).
#}
{% macro latest_ingested_files(entity) %}
    {%- set bronze = ref('bronze_' ~ entity.entity) -%}
    select distinct
        'bronze_{{ entity.entity }}' as model_name,
        ingested._source_file as source_file
    from {{ bronze }} as ingested
    inner join (
        select max(_ingested_at) as latest_ingested_at
        from {{ bronze }}
    ) as latest
        on ingested._ingested_at = latest.latest_ingested_at
{% endmacro %}
