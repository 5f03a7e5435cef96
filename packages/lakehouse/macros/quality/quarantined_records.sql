{#
    Body of a quarantine model: the records of a checked change feed that failed a check,
    with their reasons, file and batch. Incremental by ingestion time: a record is judged
    once, when it lands. The raw record as delivered stays in bronze (same _source_file).
#}
{% macro quarantined_records(checked_feed) %}
    select *
    from {{ checked_feed }}
    where quarantine_reasons != '' and {{ lakehouse.ingested_since_last_run() }}
{% endmacro %}
