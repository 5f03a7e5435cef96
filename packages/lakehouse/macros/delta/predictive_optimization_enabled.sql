{#
    Whether predictive optimization maintains the target's Unity Catalog managed tables:
    vars.predictive_optimization[target.name] (false for a target it does not name; DuckDB
    has none). The same rule as `+skip_optimize` in dbt_project.yml.
#}
{% macro predictive_optimization_enabled() %}
    {%- set setting = var('predictive_optimization', {}) -%}
    {%- if setting is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "vars.predictive_optimization must map target names to true/false, e.g. "
            ~ "{prod: true, dev: false}; got " ~ setting ~ ".") }}
    {%- endif -%}
    {{ return((setting.get(target.name, false) | string | lower) == 'true') }}
{% endmacro %}
