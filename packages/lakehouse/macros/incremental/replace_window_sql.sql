{#
    Incremental strategy `replace_window`: recompute a window of the target. Every target row
    matching the window predicate is replaced by the model's rows (which the model selects
    with the same predicate), so rows that no longer exist vanish too.
    The project's `get_incremental_replace_window_sql` passes the window's predicate (the
    same one its model's select uses). Databricks: the native REPLACE WHERE (one atomic Delta
    statement). Elsewhere: delete the window, then insert it.
#}
{% macro replace_window_sql(arg_dict, predicate) %}
    {{ return(adapter.dispatch('replace_window_sql', 'lakehouse')(arg_dict, predicate)) }}
{% endmacro %}

{% macro default__replace_window_sql(arg_dict, predicate) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = adapter.get_columns_in_relation(source) | map(attribute='name')
        | map('replace', '"', '') | list -%}
    {%- set column_list -%}
        {%- for column in columns -%}
            {{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    {%- endset -%}
    delete from {{ target }} where {{ predicate }};
    insert into {{ target }} ({{ column_list }})
    select {{ column_list }} from {{ source }}
{% endmacro %}

{% macro databricks__replace_window_sql(arg_dict, predicate) %}
    {%- do arg_dict.update({'incremental_predicates': [predicate]}) -%}
    {{ return(get_replace_where_sql(arg_dict)) }}
{% endmacro %}
