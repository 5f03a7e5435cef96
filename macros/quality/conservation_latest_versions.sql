{#
    One entity's keys touched by newly landed valid records (all keys on a full refresh):
    per key, the version conservation counts as its outcome (landed_entities()'s
    `counted_first`), how many valid versions it has, and the outcome of that version in
    the current-state relation: applied, delete_applied or not_applied (late, see
    late_changes_not_applied). Incrementally the key's row so far competes with its new
    versions, so no history is re-ranked: every version is immutable once judged.
#}
{% macro conservation_latest_versions(spec) %}
    with new_versions as (
        select
            {{ spec.key }} as record_key,
            _batch_id,
            _source_file,
            _source_line,
            {{ spec.updated_at }} as updated_at,
            {{ spec.operation }} as cdc_operation,
            _ingested_at,
            1 as version_count
        from {{ ref('int_' ~ spec.entity ~ '__checked') }}
        where quarantine_reasons = '' and {{ ingested_since_last_run() }}
    ),

    candidates as (
        select * from new_versions
        {%- if is_incremental() %}

        union all

        select
            record_key,
            counted_batch_id as _batch_id,
            counted_source_file as _source_file,
            counted_source_line as _source_line,
            counted_updated_at as updated_at,
            counted_operation as cdc_operation,
            _ingested_at,
            version_count
        from {{ this }}
        where
            entity = '{{ spec.entity }}'
            and record_key in (select new_versions.record_key from new_versions)
        {%- endif %}
    ),

    counted as (
        select
            *,
            sum(version_count) over (partition by record_key) as versions,
            max(_ingested_at) over (partition by record_key) as last_ingested_at
        from candidates
        qualify row_number() over (partition by record_key order by {{ spec.counted_first }}) = 1
    ),

    current_rows as (
        select
            {{ spec.key }} as record_key,
            _batch_id,
            {{ spec.updated_at }} as updated_at
        from {{ ref(spec.current) }}
        where
            {{ spec.current_filter }}
            and {{ spec.key }} in (select counted.record_key from counted)
    )

    select
        '{{ spec.entity }}' as entity,
        counted.record_key,
        counted._batch_id as counted_batch_id,
        counted._source_file as counted_source_file,
        counted._source_line as counted_source_line,
        counted.updated_at as counted_updated_at,
        counted.cdc_operation as counted_operation,
        counted.versions as version_count,
        counted.last_ingested_at as _ingested_at,
        case
            when counted.cdc_operation = 'delete' and current_rows.record_key is null
                then 'delete_applied'
            when counted.cdc_operation = 'delete' then 'not_applied'
            when
                current_rows._batch_id = counted._batch_id
                and current_rows.updated_at = counted.updated_at
                then 'applied'
            else 'not_applied'
        end as outcome
    from counted
    left join current_rows on counted.record_key = current_rows.record_key
{% endmacro %}
