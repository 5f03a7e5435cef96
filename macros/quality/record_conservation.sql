{#
    Conservation of landed records for one entity, per batch: every bronze record is counted
    in exactly one outcome, each outcome counted from the table that holds it.
      quarantined      rows of the quarantine model
      superseded       valid records that are not their key's latest change (older versions,
                       duplicate deliveries)
      applied          the key's latest change held by the current-state relation
                       (counted from that relation, by the batch that delivered the version)
      deletes_applied  the key's latest change is a delete and the key is gone
      not_applied      the key's latest change is missing (late data, see
                       late_changes_not_applied)
    unaccounted = landed - all of the above; a test requires 0.
    `current_rows` selects (record_key, _batch_id, updated_at) from the current-state
    relation; `latest_first` orders a key's valid records, its latest change first;
    `operation` is the CDC operation expression ('insert' for append-only feeds).
#}
{% macro record_conservation(
    entity, bronze, quarantine, checked, current_rows, key, latest_first, updated_at='updated_at',
    operation='cdc_operation'
) %}
    with landed as (
        select _batch_id, count(*) as landed
        from {{ bronze }}
        group by _batch_id
    ),

    quarantined as (
        select _batch_id, count(*) as quarantined
        from {{ quarantine }}
        group by _batch_id
    ),

    versions as (
        select
            *,
            {{ key }} as record_key,
            {{ updated_at }} as version_at,
            {{ operation }} as version_operation
        from {{ checked }}
        where quarantine_reasons = ''
    ),

    -- Most keys have one valid version, which is their latest: only the others are ranked
    -- (a window over every record costs twice as much on a large feed).
    multi_version_keys as (
        select record_key
        from versions
        group by record_key
        having count(*) > 1
    ),

    ranked as (
        select
            record_key,
            _batch_id,
            version_at as updated_at,
            version_operation as cdc_operation,
            1 as version_rank
        from versions
        where record_key not in (select multi_version_keys.record_key from multi_version_keys)

        union all

        select
            record_key,
            _batch_id,
            version_at as updated_at,
            version_operation as cdc_operation,
            row_number() over (partition by record_key order by {{ latest_first }}) as version_rank
        from versions
        where record_key in (select multi_version_keys.record_key from multi_version_keys)
    ),

    current_rows as (
        {{ current_rows }}
    ),

    latest as (
        select
            ranked._batch_id,
            ranked.cdc_operation,
            current_rows.record_key is not null as is_present,
            current_rows._batch_id = ranked._batch_id
            and current_rows.updated_at = ranked.updated_at as is_this_version
        from ranked
        left join current_rows on ranked.record_key = current_rows.record_key
        where ranked.version_rank = 1
    ),

    outcomes as (
        select
            _batch_id,
            sum(case when cdc_operation = 'delete' and not is_present then 1 else 0 end)
                as deletes_applied,
            sum(
                case
                    when cdc_operation = 'delete' and is_present then 1
                    when cdc_operation != 'delete' and not coalesce(is_this_version, false)
                        then 1
                    else 0
                end
            ) as not_applied
        from latest
        group by _batch_id
    ),

    superseded as (
        select _batch_id, count(*) as superseded
        from ranked
        where version_rank > 1
        group by _batch_id
    ),

    applied as (
        select _batch_id, count(*) as applied
        from current_rows
        group by _batch_id
    )

    select
        '{{ entity }}' as entity,
        landed._batch_id,
        landed.landed,
        coalesce(quarantined.quarantined, 0) as quarantined,
        coalesce(superseded.superseded, 0) as superseded,
        coalesce(applied.applied, 0) as applied,
        coalesce(outcomes.deletes_applied, 0) as deletes_applied,
        coalesce(outcomes.not_applied, 0) as not_applied,
        landed.landed
        - coalesce(quarantined.quarantined, 0)
        - coalesce(superseded.superseded, 0)
        - coalesce(applied.applied, 0)
        - coalesce(outcomes.deletes_applied, 0)
        - coalesce(outcomes.not_applied, 0) as unaccounted
    from landed
    left join quarantined on landed._batch_id = quarantined._batch_id
    left join superseded on landed._batch_id = superseded._batch_id
    left join applied on landed._batch_id = applied._batch_id
    left join outcomes on landed._batch_id = outcomes._batch_id
{% endmacro %}
