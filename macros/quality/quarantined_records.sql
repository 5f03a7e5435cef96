{#
    Body of a quarantine model: the records of a checked change feed that failed a check,
    with their reasons, file and batch. Incremental by ingestion time: a record is judged
    once, when it lands. The raw record as delivered stays in bronze (same _source_file).
#}
{% macro quarantined_records(checked_feed) %}
    select *
    from {{ checked_feed }}
    where
        quarantine_reasons != ''
        {% if is_incremental() -%}
            and _ingested_at > (
                select coalesce(
                    max(loaded._ingested_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
                )
                from {{ this }} as loaded
            )
        {%- endif %}
{% endmacro %}
