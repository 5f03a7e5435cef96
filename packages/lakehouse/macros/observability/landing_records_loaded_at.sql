{#
    Freshness of a transactional landing feed: the newest business timestamp among its landed
    records (`updated_at` of a CDC feed, `event_ts` of events). A delivered but empty or
    replayed batch does not make the feed fresh; only new records do. Timestamps are read by
    the contract's literal form (UTC, offsets converted); malformed records count for nothing. Used as the source's
    `loaded_at_query`, so `dbt source freshness` checks the files, not bronze.
#}
{% macro landing_records_loaded_at(table_name, timestamp_column) %}
    {%- set entity = lakehouse.landing_entity(table_name) -%}
    select max({{ lakehouse.landing_timestamp('landed.' ~ adapter.quote(timestamp_column)) }})
    from (
        {{ lakehouse.read_landing_files(entity) }}
    ) as landed
{% endmacro %}
