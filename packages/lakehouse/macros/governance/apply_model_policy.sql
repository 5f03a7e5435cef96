{#
    Post-hook of every model and snapshot that declares a policy: what the native configs
    cannot do from the policy YAML.
    Both engines first check that each masked or filtered column exists in the built
    relation (dbt-databricks silently skips a mask on a column the model does not produce).
    Databricks then tags columns from their meta classification (classification_tags.sql);
    DuckDB builds the governed view that emulates masks and the row filter (governed_view.sql).
#}
{% macro governance_apply_model_policy() %}
    {%- if not execute or model.resource_type not in ('model', 'snapshot') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set governed = lakehouse.governance_column_masks(model) or lakehouse.governance_row_filter(model)
        or lakehouse.governance_column_classifications(model) -%}
    {%- if not governed -%}
        {#- No policy beyond the native configs: no need to look at the relation. -#}
        {{ return('') }}
    {%- endif -%}
    {%- set materialized = model.config.materialized -%}
    {%- if materialized == 'ephemeral' -%}
        {{ return('') }}
    {%- endif -%}
    {#- Not adapter.get_relation: the relation cache learns of a new table only after its
        materialization (post-hooks included) returns. -#}
    {%- set relation = this.incorporate(type='view' if materialized == 'view' else 'table') -%}
    {%- do lakehouse.governance_assert_policy_columns_exist(model, relation) -%}
    {%- do adapter.dispatch('governance_apply_model_policy', 'lakehouse')(model, relation) -%}
    {{ return('') }}
{% endmacro %}

{% macro default__governance_apply_model_policy(node, relation) %}
{% endmacro %}

{% macro governance_assert_policy_columns_exist(node, relation) %}
    {%- set built = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do built.append(column.name | lower) -%}
    {%- endfor -%}
    {%- set policy_columns = [] -%}
    {%- for mask in lakehouse.governance_column_masks(node) -%}
        {%- do policy_columns.append(('.columns[' ~ mask.column ~ '].column_mask', mask.column)) -%}
    {%- endfor -%}
    {%- set row_filter = lakehouse.governance_row_filter(node) -%}
    {%- if row_filter -%}
        {%- do policy_columns.append(('.config.row_filter.columns[0]', row_filter.columns[0])) -%}
    {%- endif -%}
    {%- for key, column in policy_columns if column | lower not in built -%}
        {{ exceptions.raise_compiler_error(
            lakehouse.governance_policy_location(node) ~ key ~ ': column ' ~ column ~ ' does not exist in '
            ~ relation ~ ' (columns: ' ~ (built | join(', ')) ~ ')'
        ) }}
    {%- endfor -%}
{% endmacro %}
