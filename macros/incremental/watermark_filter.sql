{#
    Incremental predicate: rows changed since the target's high-water mark, minus a lookback
    window (var `lookback_hours`) so late-arriving records inside the window still land.
    Renders `true` on a full refresh. The merge on the unique key makes re-reads harmless.
#}
{% macro watermark_filter(column, lookback_hours=none) %}
    {%- if is_incremental() -%}
        {%- set hours = lookback_hours if lookback_hours is not none else var('lookback_hours') -%}
        {%- if hours | int < 0 -%}
            {{ exceptions.raise_compiler_error(
                "var lookback_hours must be >= 0 hours, got " ~ hours) }}
        {%- endif -%}
        {{ column }} >= (
            select coalesce(
                {{ dbt.dateadd('hour', -(hours | int), 'max(watermark.' ~ column ~ ')') }},
                cast('1900-01-01 00:00:00' as timestamp)
            )
            from {{ this }} as watermark
        )
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}
