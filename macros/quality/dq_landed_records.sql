{#
    One entity's landed records per run date (the date bronze ingested them; re-delivered
    files, which silver never reads, left out): rows in,
    rows quarantined for any reason, rows passed, and the newest valid record's own time next
    to its ingestion time, and the hours between them (freshness lag). `entity` is an item of landed_entities().
#}
{% macro dq_landed_records(entity) %}
    with landed as (
        select
            cast(_ingested_at as date) as run_date,
            count(*) as rows_in,
            max(_ingested_at) as last_ingested_at
        from {{ ref('bronze_' ~ entity.entity) }}
        where not _is_redelivered
        group by 1
    ),

    quarantined as (
        select
            cast(_ingested_at as date) as run_date,
            count(*) as rows_quarantined
        from {{ ref('quarantine_' ~ entity.entity) }}
        group by 1
    ),

    newest as (
        select
            cast(_ingested_at as date) as run_date,
            max({{ entity.updated_at }}) as newest_record_at
        from {{ ref('int_' ~ entity.entity ~ '__checked') }}
        where quarantine_reasons = ''
        group by 1
    )

    select
        '{{ entity.entity }}' as entity,
        '{{ entity.current }}' as table_name,
        landed.run_date,
        landed.rows_in,
        coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
        landed.rows_in - coalesce(quarantined.rows_quarantined, 0) as rows_passed,
        newest.newest_record_at,
        landed.last_ingested_at,
        {{ dbt.datediff('newest.newest_record_at', 'landed.last_ingested_at', 'minute') }} / 60.0
            as freshness_lag_hours
    from landed
    left join quarantined on landed.run_date = quarantined.run_date
    left join newest on landed.run_date = newest.run_date
{% endmacro %}
