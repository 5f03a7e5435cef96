{#
    The recompute window of a gold model of weekly and monthly periods (each with growth
    against the period before it): every period from the one holding the earliest touched
    order date onwards. Returns the first period start to recompute: the Monday of the week
    holding the first day of that date's month, so the earliest change's week and month are
    both whole. none outside incremental runs (build everything); '9999-12-31' when nothing
    changed (recompute nothing).
#}
{% macro recompute_periods_start() %}
    {#- Refs outside the condition so dbt records the dependencies at parse time. -#}
    {%- set change_feeds = [ref('int_orders__checked'), ref('int_order_lines__checked')] -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set dates = affected_order_dates(this, change_feeds[0], change_feeds[1]) -%}
    {%- if dates | length == 0 -%}
        {{ return('9999-12-31') }}
    {%- endif -%}
    {%- set earliest = modules.datetime.datetime.strptime(dates[0] | string, '%Y-%m-%d').date() -%}
    {%- set month_start = earliest.replace(day=1) -%}
    {%- set week_start = month_start - modules.datetime.timedelta(days=month_start.weekday()) -%}
    {{ return(week_start.isoformat()) }}
{% endmacro %}
