{#
    Unity Catalog column tags derived from column meta: every classified column carries
    `classification = <meta.classification>`. Only the tags that differ from the ones the
    column has are set (information_schema.column_tags, read with dbt-databricks' own
    fetch_column_tags).
#}
{% macro databricks__governance_apply_model_policy(node, relation) %}
    {%- set wanted = lakehouse.governance_column_classifications(node) -%}
    {%- if not wanted -%}
        {{ return('') }}
    {%- endif -%}
    {%- set current = {} -%}
    {%- for row in fetch_column_tags(relation) if row[1] == 'classification' -%}
        {%- do current.update({row[0] | lower: row[2]}) -%}
    {%- endfor -%}
    {%- for column, classification in wanted.items()
        if current.get(column | lower) != classification -%}
        {%- call statement('governance_column_tags') -%}
            {{ alter_set_column_tags(relation, column, {'classification': classification}) }}
        {%- endcall -%}
    {%- endfor -%}
{% endmacro %}
