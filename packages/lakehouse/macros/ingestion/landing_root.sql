{#
    Where landing files live. The `landing_root` var wins; otherwise a folder under the
    project locally and the `landing/files` Unity Catalog volume of the target catalog.
#}
{% macro landing_root() %}
    {%- if var('landing_root', none) -%}
        {{ return(var('landing_root') | string | trim) }}
    {%- endif -%}
    {{ return(adapter.dispatch('landing_root', 'lakehouse')()) }}
{% endmacro %}

{% macro default__landing_root() %}
    {{ return('data/landing') }}
{% endmacro %}

{% macro databricks__landing_root() %}
    {{ return('/Volumes/' ~ target.catalog ~ '/landing/files') }}
{% endmacro %}
