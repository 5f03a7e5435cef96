{#
    One landed entity's records at each stage, in the columns of int_landed_records__unioned:
      landed       every bronze record (re-deliveries flagged)
      checked      every record of the checked feed, with its verdict
      quarantined  every record of the quarantine
      current      the live rows of the current-state relation its valid records feed (one
                   per key; in an SCD2 snapshot the open, undeleted version)
    The model passes the four relations (its lineage); the entity is the registry table the
    bronze model reads (landing_entities()), which says its key, change-time column, load and
    whether `current` is an SCD2 snapshot. A current-state relation of a CDC feed without
    history keeps `_source_file` / `_source_line` (late_changes_not_applied compares them);
    the others give null there. Column types follow the inputs (`_source_line` is a bigint on
    DuckDB, an int on Databricks), so the tables counted from here keep theirs.
#}
{% macro entity_records(landed, checked, quarantined, current) %}
    {%- set entity = lakehouse.landing_entity_of(landed) -%}
    {%- if entity is none -%}
        {#- Parse time: only the refs matter. -#}
        {{ return('select 1 as parsed') }}
    {%- endif -%}
    {%- set cdc = entity.load == 'cdc' -%}
    {%- set snapshot = entity.scd2 and lakehouse.feature_enabled('enable_scd2') -%}
    {%- set operation = 'cdc_operation' if cdc else "'insert'" -%}
    {%- set name = lakehouse.sql_string_literal(entity.name) -%}
    {%- set table_name = lakehouse.sql_string_literal(current.identifier) -%}
    {%- set null_text = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
    {%- set null_time = 'cast(null as ' ~ dbt.type_timestamp() ~ ')' -%}
    {%- if snapshot -%}
        {%- set is_live = "effective_to is null and cdc_operation != 'delete' and not coalesce("
            ~ "cast(is_hard_deleted as boolean), false)" -%}
    {%- elif cdc -%}
        {%- set is_live = "cdc_operation != 'delete'" -%}
    {%- else -%}
        {%- set is_live = 'true' -%}
    {%- endif -%}
    {%- set current_has_line = cdc and not entity.scd2 -%}
    {%- set key = 'cast(' ~ entity.key ~ ' as bigint)' -%}
    {%- set changed_at = 'cast(' ~ entity.changed_at ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
    {#- Per stage: its relation, the expression of each column that differs, its filter. -#}
    {%- set stages = [
        ('landed', landed, {'record_key': 'cast(null as bigint)', 'cdc_operation': null_text,
            'quarantine_reasons': null_text, 'is_redelivered': '_is_redelivered',
            'changed_at': null_time}, none),
        ('checked', checked, {'record_key': key, 'cdc_operation': operation,
            'quarantine_reasons': 'quarantine_reasons', 'changed_at': changed_at}, none),
        ('quarantined', quarantined, {'record_key': key, 'cdc_operation': null_text,
            'quarantine_reasons': 'quarantine_reasons', 'changed_at': null_time}, none),
        ('current', current, {'record_key': key, 'cdc_operation': operation,
            'quarantine_reasons': null_text, 'changed_at': changed_at,
            '_source_file': '_source_file' if current_has_line else null_text,
            '_source_line': '_source_line' if current_has_line else 'cast(null as int)',
            '_ingested_at': null_time}, is_live),
    ] -%}
    {%- for stage, relation, columns, filter in stages %}
    select
        {{ name }} as entity,
        '{{ stage }}' as stage,
        {{ columns.record_key }} as record_key,
        {{ columns.cdc_operation }} as cdc_operation,
        {{ columns.quarantine_reasons }} as quarantine_reasons,
        {{ table_name }} as table_name,
        _batch_id,
        {{ columns.get('_source_file', '_source_file') }} as _source_file,
        {{ columns.get('_source_line', '_source_line') }} as _source_line,
        {{ columns.get('is_redelivered', 'false') }} as is_redelivered,
        {{ columns.changed_at }} as changed_at,
        {{ columns.get('_ingested_at', '_ingested_at') }} as _ingested_at
    from {{ relation }}
    {%- if filter %}
    where {{ filter }}
    {%- endif %}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{% endmacro %}

{#
    The registry entry (landing_entities()) of the landing table a bronze relation reads, found
    through the bronze model's own `source()`; none at parse time. A relation that is not a
    bronze model of one landing table fails naming it.
#}
{% macro landing_entity_of(bronze_relation) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and (node.alias or node.name) == bronze_relation.identifier
        and node.schema == bronze_relation.schema -%}
        {%- set landing = node.sources | selectattr('0', 'equalto', 'landing') | list -%}
        {%- if landing | length == 1 -%}
            {{ return(lakehouse.landing_entity_named(landing[0][1])) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "entity_records: " ~ bronze_relation ~ " is not a bronze model reading exactly one "
        ~ "landing table (source('landing', ...)); pass the entity's bronze model first.") }}
{% endmacro %}
