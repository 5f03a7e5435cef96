{#
    Incremental strategy `merge_cdc` (incremental_strategy='merge_cdc'): dbt looks a custom
    strategy up in the root project, so this hands it to the platform package's merge_cdc_sql.
#}
{% macro get_incremental_merge_cdc_sql(arg_dict) %}
    {{ return(lakehouse.merge_cdc_sql(arg_dict)) }}
{% endmacro %}
