{#
    Incremental predicate for CDC models: the record's key received a valid record in the
    change feed ingested after the newest record this model holds (`true` on a full
    refresh). The model re-decides exactly these keys from all their versions, so a record's
    lateness, however large, cannot change the result: no lookback window is needed.
#}
{% macro key_arrived_since_last_run(change_feed, key) -%}
    {%- if is_incremental() -%}
        {{ key }} in (
            select arrived.{{ key }}
            from {{ change_feed }} as arrived
            where
                arrived.quarantine_reasons = ''
                and arrived._ingested_at > (
                    select coalesce(
                        max(loaded._ingested_at),
                        cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
                    )
                    from {{ this }} as loaded
                )
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
