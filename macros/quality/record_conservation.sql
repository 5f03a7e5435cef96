{#
    Conservation of landed records for one entity, per batch: every bronze record is counted
    in exactly one outcome, each outcome counted from the table that holds it.
      redelivered      records of a re-delivered file (a file name already delivered):
                       kept in bronze, never read further
      quarantined      rows of the quarantine model
      superseded       valid records that are not their key's counted version (older
                       versions, duplicate deliveries): valid records minus counted versions
      applied          rows of the current-state relation, by the batch that delivered them
      deletes_applied  the key's counted version is a delete and the key is gone
      not_applied      the key's counted version is missing from the current state (late
                       data, see late_changes_not_applied)
    unaccounted = landed - all of the above; a test requires 0. Counts only: the per-key
    work is int_conservation__counted_versions (incremental).
#}
{% macro record_conservation(spec) %}
    with landed as (
        select
            _batch_id,
            count(*) as landed,
            sum(case when _is_redelivered then 1 else 0 end) as redelivered
        from {{ ref('bronze_' ~ spec.entity) }}
        group by _batch_id
    ),

    quarantined as (
        select _batch_id, count(*) as quarantined
        from {{ ref('quarantine_' ~ spec.entity) }}
        group by _batch_id
    ),

    valid as (
        select _batch_id, count(*) as valid
        from {{ ref('int_' ~ spec.entity ~ '__checked') }}
        where quarantine_reasons = ''
        group by _batch_id
    ),

    counted as (
        select
            counted_batch_id as _batch_id,
            count(*) as counted,
            sum(case when outcome = 'delete_applied' then 1 else 0 end) as deletes_applied,
            sum(case when outcome = 'not_applied' then 1 else 0 end) as not_applied
        from {{ ref('int_conservation__counted_versions') }}
        where entity = '{{ spec.entity }}'
        group by counted_batch_id
    ),

    applied as (
        select _batch_id, count(*) as applied
        from {{ ref(spec.current) }}
        where {{ spec.current_filter }}
        group by _batch_id
    ),

    outcomes as (
        select
            landed._batch_id,
            landed.landed,
            landed.redelivered,
            coalesce(quarantined.quarantined, 0) as quarantined,
            coalesce(valid.valid, 0) - coalesce(counted.counted, 0) as superseded,
            coalesce(applied.applied, 0) as applied,
            coalesce(counted.deletes_applied, 0) as deletes_applied,
            coalesce(counted.not_applied, 0) as not_applied
        from landed
        left join quarantined on landed._batch_id = quarantined._batch_id
        left join valid on landed._batch_id = valid._batch_id
        left join counted on landed._batch_id = counted._batch_id
        left join applied on landed._batch_id = applied._batch_id
    )

    select
        '{{ spec.entity }}' as entity,
        _batch_id,
        landed,
        redelivered,
        quarantined,
        superseded,
        applied,
        deletes_applied,
        not_applied,
        landed - redelivered - quarantined - superseded - applied - deletes_applied - not_applied
            as unaccounted
    from outcomes
{% endmacro %}
