{#
    The recompute window of a gold model: the order dates touched by any order or order-line
    change that arrived after the model's watermark (max `_ingested_at` of its rows).
    Renders `<column> in (...)` (column: the argument, else config recompute_window_column),
    `false` when nothing changed and `true` outside incremental runs. The model's select and
    the replace_window strategy both call it before the target changes, so they agree. The
    model shows the two change feeds on `-- depends_on:` lines (the macro reads them).
#}
{% macro recompute_window_predicate(column=none) %}
    {#- Refs outside the condition so dbt records the dependencies at parse time. -#}
    {%- set change_feeds = [ref('int_orders__checked'), ref('int_order_lines__checked')] -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set column = column or config.require('recompute_window_column') -%}
    {%- set dates = affected_order_dates(this, change_feeds[0], change_feeds[1]) -%}
    {%- if dates | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in dates -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(column ~ ' in (' ~ literals | join(', ') ~ ')') }}
{% endmacro %}

{% macro affected_order_dates(target, order_changes, order_line_changes) %}
    {%- set query -%}
        with watermark as (
            select
                coalesce(
                    max(_ingested_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
                ) as ingested_at
            from {{ target }}
        ),

        changed_orders as (
            select order_id
            from {{ order_changes }}
            where _ingested_at > (select watermark.ingested_at from watermark)
            union
            select order_id
            from {{ order_line_changes }}
            where _ingested_at > (select watermark.ingested_at from watermark)
        )

        -- Every version's date: an order whose date moved recomputes the old day too.
        select distinct cast(versions.order_date as {{ dbt.type_string() }}) as order_day
        from {{ order_changes }} as versions
        inner join changed_orders on versions.order_id = changed_orders.order_id
        where versions.order_date is not null
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}
