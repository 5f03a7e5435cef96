{#
    Reconciliation of a checked CDC change feed (valid records only) against the current-state table built from it:
    the keys whose latest delivered change (latest updated_at, then batch, then file) is not
    what the table holds: a live version missing or older, or a delete not applied. Empty by
    construction (incremental facts re-decide every key that received a record); a row here
    means a defect or a table changed by hand. The CTE is named per entity: a caller unions
    several of these, and an engine or tool that lifts nested CTEs to the top level (Spark 2
    did; sqlglot's Spark generator does) must not see one name twice.
#}
{% macro unapplied_cdc_changes(entity, change_feed, current_table, key) %}
    with latest_{{ entity }}_change as (

        select *
        from {{ change_feed }}
        where quarantine_reasons = ''
        qualify row_number() over (
            partition by {{ key }}
            order by {{ latest_version_first() }}
        ) = 1

    )

    select
        '{{ entity }}' as entity,
        latest_change.{{ key }} as record_id,
        latest_change.cdc_operation,
        latest_change._batch_id,
        latest_change.updated_at,
        applied.updated_at as applied_updated_at
    from latest_{{ entity }}_change as latest_change
    left join {{ current_table }} as applied
        on latest_change.{{ key }} = applied.{{ key }}
    where
        (latest_change.cdc_operation = 'delete' and applied.{{ key }} is not null)
        or (
            latest_change.cdc_operation != 'delete'
            and (
                applied.{{ key }} is null
                or applied.updated_at != latest_change.updated_at
                or applied._batch_id != latest_change._batch_id
                or applied._source_file != latest_change._source_file
                or applied._source_line != latest_change._source_line
            )
        )
{% endmacro %}
