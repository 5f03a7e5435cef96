{{ config(materialized='view') }}

-- Reconciliation of the facts against their change feeds: valid changes the facts do not
-- hold. Per entity of the registry without SCD2 history (the snapshots keep their own): for a
-- CDC feed, the keys whose latest delivered change (latest change time, then batch, file,
-- line) is not what the current-state table holds (a live version missing or older, or a
-- delete not applied); for events, the first delivery of each event the table lacks. Empty
-- by construction (the facts re-decide every key that receives a record, however late); a
-- row is a defect, and `dbt build --full-refresh -s fct_order+ fct_order_line+
-- fct_web_event+` repairs it.
{%- set records = ref('int_landed_records__unioned') %}
{%- set entities = lakehouse.landing_entities() | rejectattr('scd2') | list %}

with
{%- for entity in entities %}
    {%- set name = lakehouse.sql_string_literal(entity.name) %}
    {%- set first = lakehouse.latest_version_first('changed_at') if entity.load == 'cdc'
        else lakehouse.first_delivery_first() %}

    {{ entity.name }}_latest_change as (

        select *
        from {{ records }}
        where entity = {{ name }} and stage = 'checked' and quarantine_reasons = ''
        qualify row_number() over (partition by record_key order by {{ first }}) = 1

    ),

    {{ entity.name }}_applied as (

        select *
        from {{ records }}
        where entity = {{ name }} and stage = 'current'

    ),

    {{ entity.name }}_not_applied as (

        select
            latest_change.entity,
            latest_change.record_key as record_id,
            latest_change.cdc_operation,
            latest_change._batch_id,
            latest_change.changed_at as updated_at,
            {%- if entity.load == 'cdc' %}
                applied.changed_at as applied_updated_at
            {%- else %}
                cast(null as {{ dbt.type_timestamp() }}) as applied_updated_at
            {%- endif %}
        from {{ entity.name }}_latest_change as latest_change
        left join {{ entity.name }}_applied as applied
            on latest_change.record_key = applied.record_key
        where
            {%- if entity.load == 'cdc' %}
                (latest_change.cdc_operation = 'delete' and applied.record_key is not null)
                or (
                    latest_change.cdc_operation != 'delete'
                    and (
                        applied.record_key is null
                        or applied.changed_at != latest_change.changed_at
                        or applied._batch_id != latest_change._batch_id
                        or applied._source_file != latest_change._source_file
                        or applied._source_line != latest_change._source_line
                    )
                )
            {%- else %}
                applied.record_key is null
            {%- endif %}

    ){{ ',' if not loop.last }}
{%- endfor %}

{% for entity in entities -%}
    select * from {{ entity.name }}_not_applied
    {% if not loop.last %}union all
    {% endif -%}
{%- endfor %}
