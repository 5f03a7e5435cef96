{#
    A model's governance policy, read from its node (the `model` of a hook or a node of
    `graph`) and checked on the way: column classifications (column meta), column masks
    (dbt-databricks' `column_mask`), the row filter (`row_filter` config). Errors name the
    YAML file and key. Returned names are plain identifiers, safe to quote into SQL.
#}
{% macro governance_classifications() %}
    {#- Ordered from least to most sensitive. -#}
    {{ return(['public', 'internal', 'confidential', 'pii']) }}
{% endmacro %}

{% macro governance_row_filter_functions() %}
    {{ return(['row_access_by_country']) }}
{% endmacro %}

{% macro governance_policy_location(node) %}
    {%- set yaml_file = (node.get('patch_path') or node.get('original_file_path') or '') -%}
    {{ return(yaml_file.split('://')[-1] ~ ': ' ~ node.resource_type ~ 's[' ~ node.name ~ ']') }}
{% endmacro %}

{# {column: classification} for every column whose meta names one. #}
{% macro governance_column_classifications(node) %}
    {%- set classified = {} -%}
    {%- for column in node.get('columns', {}).values() -%}
        {%- set classification = (column.get('meta') or {}).get('classification') -%}
        {%- if classification is not none -%}
            {%- set where = lakehouse.governance_policy_location(node) ~ '.columns[' ~ column.name
                ~ '].meta.classification' -%}
            {%- if classification not in lakehouse.governance_classifications() -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ": unknown classification '" ~ classification ~ "'; known: "
                    ~ (lakehouse.governance_classifications() | join(', '))
                ) }}
            {%- endif -%}
            {%- do classified.update({
                lakehouse.governance_plain_identifier(column.name, where): classification
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(classified) }}
{% endmacro %}

{#
    The table's classification: its `databricks_tags.classification` (table tags are native
    config, per folder in dbt_project.yml, per model in YAML). It may not be less sensitive
    than any of its columns.
#}
{% macro governance_table_classification(node) %}
    {%- set levels = lakehouse.governance_classifications() -%}
    {%- set where = lakehouse.governance_policy_location(node) ~ '.config.databricks_tags.classification' -%}
    {%- set table_tags = node.config.get('databricks_tags') or {} -%}
    {%- set declared = table_tags.get('classification', 'internal') -%}
    {%- if declared not in levels -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": unknown classification '" ~ declared ~ "'; known: " ~ (levels | join(', '))
        ) }}
    {%- endif -%}
    {%- for column, classification in lakehouse.governance_column_classifications(node).items() -%}
        {%- if levels.index(classification) > levels.index(declared) -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": '" ~ declared ~ "' is less sensitive than column " ~ column ~ " ("
                ~ classification ~ "); set databricks_tags: {classification: "
                ~ classification ~ "} on the model"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(declared) }}
{% endmacro %}

{#
    The function name of a policy reference, checked: plain identifier parts, in the
    governance schema (of the current catalog), one of `known` names.
#}
{% macro governance_policy_function(reference, known, noun, where) %}
    {%- set parts = (reference | string).split('.') -%}
    {%- for part in parts -%}
        {%- do lakehouse.governance_plain_identifier(part, where) -%}
    {%- endfor -%}
    {%- set schema_ok = parts | length >= 2 and parts[-2] == lakehouse.governance_schema() -%}
    {%- set catalog_ok = parts | length == 2
        or (parts | length == 3 and parts[0] == target.database) -%}
    {%- if not (schema_ok and catalog_ok) -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": '" ~ reference ~ "' must name a function of the governance schema: "
            ~ lakehouse.governance_schema() ~ ".<name> or " ~ target.database ~ "."
            ~ lakehouse.governance_schema() ~ ".<name>"
        ) }}
    {%- endif -%}
    {%- if parts[-1] not in known -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": unknown " ~ noun ~ " '" ~ parts[-1] ~ "'; known: " ~ (known | join(', '))
        ) }}
    {%- endif -%}
    {{ return(parts[-1]) }}
{% endmacro %}

{# [{column, kind}] for every column with a `column_mask`. #}
{% macro governance_column_masks(node) %}
    {%- set known = [] -%}
    {%- for kind in lakehouse.governance_mask_kinds() -%}
        {%- do known.append('mask_' ~ kind) -%}
    {%- endfor -%}
    {%- set masks = [] -%}
    {%- for column in node.get('columns', {}).values() -%}
        {%- set column_mask = column.get('column_mask') -%}
        {%- if column_mask -%}
            {%- set where = lakehouse.governance_policy_location(node) ~ '.columns[' ~ column.name
                ~ '].column_mask' -%}
            {%- if column_mask.get('using_columns') -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ".using_columns: the project's mask functions take one argument"
                ) }}
            {%- endif -%}
            {%- set function = lakehouse.governance_policy_function(
                column_mask.get('function'), known, 'mask', where ~ '.function'
            ) -%}
            {%- do masks.append({
                'column': lakehouse.governance_plain_identifier(column.name, where),
                'kind': function[5:],
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(masks) }}
{% endmacro %}

{# {function, columns} of the model's `row_filter` config, or none. #}
{% macro governance_row_filter(node) %}
    {%- set row_filter = node.get('config', {}).get('row_filter') -%}
    {%- if not row_filter -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set where = lakehouse.governance_policy_location(node) ~ '.config.row_filter' -%}
    {%- set columns = row_filter.get('columns') or [] -%}
    {%- set columns = [columns] if columns is string else columns -%}
    {%- if columns | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            where ~ ".columns: the project's row filter functions take exactly one column"
        ) }}
    {%- endif -%}
    {{ return({
        'function': lakehouse.governance_policy_function(
            row_filter.get('function'), lakehouse.governance_row_filter_functions(), 'row filter',
            where ~ '.function'
        ),
        'columns': [lakehouse.governance_plain_identifier(columns[0], where ~ '.columns[0]')],
    }) }}
{% endmacro %}
