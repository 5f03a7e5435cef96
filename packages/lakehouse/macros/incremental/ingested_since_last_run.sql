{#
    Incremental predicate on bronze's ingestion time: the records ingested after the newest
    one this model already holds. Every record is read once, when it lands; a full refresh
    (`true`) reads them all. The checked feeds and quarantines use it.
#}
{% macro ingested_since_last_run(column='_ingested_at') %}
    {%- if is_incremental() -%}
        {{ column }} > (
            select coalesce(
                max(loaded.{{ column }}), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            )
            from {{ this }} as loaded
        )
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}
