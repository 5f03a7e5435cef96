{#
    A timezone-aware Python datetime as a UTC timestamp literal both engines parse the same
    way (no offset: the audit tables hold UTC wall-clock times).
#}
{% macro audit_timestamp_literal(moment) %}
    {%- set utc = moment.astimezone(modules.pytz.utc) -%}
    {{ return("cast('" ~ utc.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as "
        ~ dbt.type_timestamp() ~ ")") }}
{% endmacro %}
