{#
    A value as a YAML double-quoted string (JSON's escaping, which YAML reads the same), for
    text that Jinja renders into a metric view's YAML body: a rendered relation name
    (`"lakehouse_bi"."gold"."fct_sales"` on DuckDB, `` `catalog`.`gold`.`fct_sales` `` on
    Databricks) or an SQL expression from a macro. `squash` joins the text's lines and
    indentation into single spaces first (for macro-rendered SQL without string literals).
#}
{% macro yaml_string(value, squash=false) %}
    {%- set text = value | string -%}
    {%- if squash -%}
        {%- set text = text.split() | join(' ') -%}
    {%- endif -%}
    {{- return(tojson(text)) -}}
{% endmacro %}
