{#
    Incremental strategy `merge_cdc`: apply a CDC batch (one row per key, its latest change)
    to the target. A change whose operation column (config `cdc_operation_column`, default
    `cdc_operation`) is 'delete' removes the row; any other change updates or inserts it.
    The ON clause also holds the model's `incremental_predicates` (on `dbt_internal_dest` /
    `dbt_internal_source`) and, with config `merge_key_range_pruning: true`, the batch's key
    range (merge_key_range_predicates), so the MERGE only reads target files that can match.
    Plain ANSI MERGE, the same on DuckDB (>= 1.4) and Databricks (Delta).
#}
{% macro merge_cdc_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- if not unique_key -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ": incremental_strategy merge_cdc needs a unique_key in its config.") }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set operation = config.get('cdc_operation_column', 'cdc_operation') -%}
    {%- set columns = adapter.get_columns_in_relation(source) | map(attribute='name') | list -%}
    {%- if operation not in columns -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ": merge_cdc needs the CDC operation column '" ~ operation
            ~ "' in the model's output (set cdc_operation_column to rename it).") }}
    {%- endif -%}

    {#- Pruning: the standard incremental_predicates, plus (config merge_key_range_pruning)
        the batch's key range, so Delta skips files whose key range it cannot match. -#}
    {%- set predicates = (arg_dict.get('incremental_predicates') or []) | list
        + lakehouse.merge_key_range_predicates(source, keys) -%}

    merge into {{ target }} as dbt_internal_dest
    using {{ source }} as dbt_internal_source
    on {% for key in keys -%}
        dbt_internal_dest.{{ adapter.quote(key) }} = dbt_internal_source.{{ adapter.quote(key) }}
        {%- if not loop.last %} and {% endif %}
    {%- endfor %}
    {%- for predicate in predicates %}
        and ({{ predicate }})
    {%- endfor %}
    when matched and dbt_internal_source.{{ adapter.quote(operation) }} = 'delete' then delete
    when matched then update set
        {% for column in columns -%}
            {{ adapter.quote(column) }} = dbt_internal_source.{{ adapter.quote(column) }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    {#- coalesce: a null operation must take a branch, never vanish between both. -#}
    when not matched
        and coalesce(dbt_internal_source.{{ adapter.quote(operation) }}, '') != 'delete' then insert (
        {%- for column in columns -%}
            {{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    ) values (
        {%- for column in columns -%}
            dbt_internal_source.{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    )
{% endmacro %}
