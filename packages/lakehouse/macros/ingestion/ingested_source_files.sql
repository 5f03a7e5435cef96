{#
    A query of the landing files (`_source_file`, relative to the landing root) a bronze model
    has ingested: those it holds, plus those whose records retention has since deleted
    (observability.retention_expired_files), so an expired file is never ingested again.
#}
{% macro ingested_source_files(relation) %}
    select ingested._source_file from {{ relation }} as ingested
    union
    select expired.source_file as _source_file
    from {{ lakehouse.retention_expired_files_relation() }} as expired
    where expired.model_name = '{{ relation.identifier }}'
{% endmacro %}
