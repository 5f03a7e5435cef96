{#
    The keys of a checked change feed with a valid record ingested after the newest record
    this model holds (every key on a full refresh is not asked for: callers skip the filter
    then). Incremental CDC models re-decide exactly these keys from all their versions, so a
    record's lateness, however large, cannot change the result: no lookback window needed.
#}
{% macro keys_arrived_since_last_run(change_feed, key) -%}
    select arrived.{{ key }}
    from {{ change_feed }} as arrived
    where
        arrived.quarantine_reasons = ''
        and arrived._ingested_at > (
            select coalesce(
                max(loaded._ingested_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            )
            from {{ this }} as loaded
        )
{%- endmacro %}
