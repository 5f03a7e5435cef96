{#
    Incremental strategy `replace_window` (incremental_strategy='replace_window'): the platform
    package's replace_window_sql over the sales recompute window (recompute_window_predicate,
    config `recompute_window_column`), the same predicate the model's select applies.
#}
{% macro get_incremental_replace_window_sql(arg_dict) %}
    {{ return(lakehouse.replace_window_sql(arg_dict, recompute_window_predicate())) }}
{% endmacro %}
