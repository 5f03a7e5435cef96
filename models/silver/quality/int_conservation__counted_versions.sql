{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['entity', 'record_key'],
        on_schema_change='fail',
    )
}}

-- Per entity and key: the version record_conservation counts as the key's outcome (for a
-- CDC feed its latest change, for events their first delivery), how many valid versions the
-- key has, and that version's outcome in the current-state stage: applied, delete_applied or
-- not_applied (late, see late_changes_not_applied). Incremental on the keys that received
-- new valid records: the key's row so far competes with its new versions, so no history is
-- re-ranked (every version is immutable once judged). One CTE chain per registry entity.
{%- set records = ref('int_landed_records__unioned') %}
{%- set entities = lakehouse.landing_entities() %}

with
{%- for entity in entities %}
    {%- set name = lakehouse.sql_string_literal(entity.name) %}
    {%- set counted_first = lakehouse.latest_version_first('changed_at') if entity.load == 'cdc'
        else lakehouse.first_delivery_first() %}

    {{ entity.name }}_new_versions as (
        select
            record_key,
            _batch_id,
            _source_file,
            _source_line,
            changed_at,
            cdc_operation,
            _ingested_at,
            1 as version_count
        from {{ records }}
        where
            entity = {{ name }}
            and stage = 'checked'
            and quarantine_reasons = ''
            and {{ lakehouse.ingested_since_last_run() }}
    ),

    {{ entity.name }}_candidates as (
        select * from {{ entity.name }}_new_versions
        {%- if is_incremental() %}

    union all

    select
        record_key,
        counted_batch_id as _batch_id,
        counted_source_file as _source_file,
        counted_source_line as _source_line,
        counted_updated_at as changed_at,
        counted_operation as cdc_operation,
        _ingested_at,
        version_count
    from {{ this }}
    where
        entity = {{ name }}
        and record_key in (
            select {{ entity.name }}_new_versions.record_key
            from {{ entity.name }}_new_versions
        )
    {%- endif %}
    ),

    {{ entity.name }}_counted as (
        select
            *,
            sum(version_count) over (partition by record_key) as versions,
            max(_ingested_at) over (partition by record_key) as last_ingested_at
        from {{ entity.name }}_candidates
        qualify row_number() over (partition by record_key order by {{ counted_first }}) = 1
    ),

    {{ entity.name }}_current_rows as (
        select
            record_key,
            _batch_id,
            changed_at
        from {{ records }}
        where
            entity = {{ name }}
            and stage = 'current'
            and record_key in (
                select {{ entity.name }}_counted.record_key from {{ entity.name }}_counted
            )
    ),

    {{ entity.name }}_outcomes as (
        select
            {{ name }} as entity,
            counted.record_key,
            counted._batch_id as counted_batch_id,
            counted._source_file as counted_source_file,
            counted._source_line as counted_source_line,
            counted.changed_at as counted_updated_at,
            counted.cdc_operation as counted_operation,
            counted.versions as version_count,
            counted.last_ingested_at as _ingested_at,
            case
                when counted.cdc_operation = 'delete' and current_rows.record_key is null
                    then 'delete_applied'
                when counted.cdc_operation = 'delete' then 'not_applied'
                when
                    current_rows._batch_id = counted._batch_id
                    and current_rows.changed_at = counted.changed_at
                    then 'applied'
                else 'not_applied'
            end as outcome
        from {{ entity.name }}_counted as counted
        left join {{ entity.name }}_current_rows as current_rows
            on counted.record_key = current_rows.record_key
    ){{ ',' if not loop.last }}
{%- endfor %}

{% for entity in entities -%}
    select * from {{ entity.name }}_outcomes
    {% if not loop.last %}union all
    {% endif -%}
{%- endfor %}
