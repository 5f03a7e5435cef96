{#
    The local equivalent of Unity Catalog's masks and row filters: `<schema>_governed.<table>`,
    a view with every masked column passed through its mask macro and rows kept by the row
    filter macro, both answering for the persona of the session (create_policy_functions).
    The table itself stays readable in clear locally; the view is what a reader outside the
    unmasked roles would see in Unity Catalog.
#}
{% macro duckdb__governance_apply_model_policy(node, relation) %}
    {%- set masks = lakehouse.governance_column_masks(node) -%}
    {%- set row_filter = lakehouse.governance_row_filter(node) -%}
    {%- if not (masks or row_filter) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schema = lakehouse.governance_schema() -%}
    {%- set kind_by_column = {} -%}
    {%- for mask in masks -%}
        {%- do kind_by_column.update({mask.column | lower: mask.kind}) -%}
    {%- endfor -%}
    {%- set select_list = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- if column.name | lower in kind_by_column -%}
            {%- do select_list.append(
                schema ~ '.mask_' ~ kind_by_column[column.name | lower] ~ '(' ~ quoted ~ ') as '
                ~ quoted
            ) -%}
        {%- else -%}
            {%- do select_list.append(quoted) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set view = api.Relation.create(
        database=relation.database, schema=relation.schema ~ '_governed',
        identifier=relation.identifier, type='view'
    ) -%}
    {%- do adapter.create_schema(view) -%}
    {%- call statement('governance_governed_view') -%}
        create or replace view {{ view.render() }} as
        select {{ select_list | join(', ') }}
        from {{ relation.render() }} as governed_source
        {%- if row_filter %}
        {#- Qualified: a DuckDB macro is expanded in place, and its subquery has a column of
            the same name that would capture a bare reference. #}
        where {{ schema }}.{{ row_filter.function }}(
            governed_source.{{ adapter.quote(row_filter.columns[0]) }}
        )
        {%- endif %}
    {%- endcall -%}
{% endmacro %}
