{#
    Check condition: a change time later than the record's ingestion plus var
    `future_date_tolerance_hours` (a typo such as 2062 would otherwise become a watermark).
#}
{% macro is_future_time(time_column, ingested_at='_ingested_at') -%}
    {{ time_column }} > {{ dbt.dateadd('hour', var('future_date_tolerance_hours') | int, ingested_at) }}
{%- endmacro %}
