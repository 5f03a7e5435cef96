{#
    The YAML body of a metric view model (the model's compiled SQL) as a dict, with the keys
    the local (DuckDB) data model reads checked: `version`, `source`, `dimensions` (each a
    `name` and an `expr`), `measures` (each a `name` and an `expr`), optional `filter` and
    `joins` (each a `name`, a `source` and exactly one of `on` / `using`; no nested joins).
    The full Databricks spec is validated in Python (lakehouse_bi.semantic.metric_view);
    this check only stops the build with the model's file and key when the YAML cannot be
    turned into a view.
#}
{% macro metric_view_definition(yaml_text) %}
    {%- set where = model.original_file_path -%}
    {%- set definition = fromyaml(yaml_text) -%}
    {%- if definition is not mapping -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": a metric_view model holds a metric view's YAML (a mapping with version, "
            ~ "source, dimensions, measures); its body did not parse as one.") }}
    {%- endif -%}
    {%- for key in ['version', 'source', 'dimensions', 'measures'] -%}
        {%- if definition.get(key) is none -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": the metric view YAML has no `" ~ key ~ "` (required here).") }}
        {%- endif -%}
    {%- endfor -%}
    {%- for section in ['dimensions', 'measures'] -%}
        {%- set items = definition[section] -%}
        {%- if items is string or items is mapping or items is not iterable -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": `" ~ section ~ "` must be a list of {name, expr}.") }}
        {%- endif -%}
        {%- for item in items -%}
            {%- if item is not mapping or not item.get('name') or not item.get('expr') -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ": " ~ section ~ "[" ~ loop.index0 ~ "] needs a `name` and an `expr`.") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for join in definition.get('joins') or [] -%}
        {%- set at = where ~ ": joins[" ~ loop.index0 ~ "]" -%}
        {%- if join is not mapping or not join.get('name') or not join.get('source') -%}
            {{ exceptions.raise_compiler_error(at ~ " needs a `name` and a `source`.") }}
        {%- endif -%}
        {%- if (join.get('on') is none) == (join.get('using') is none) -%}
            {{ exceptions.raise_compiler_error(
                at ~ " needs exactly one of `on` (quote the key: 'on', YAML 1.1 reads a bare on "
                ~ "as true) and `using`.") }}
        {%- endif -%}
        {%- if join.get('joins') -%}
            {{ exceptions.raise_compiler_error(
                at ~ ": nested (snowflake) joins have no local equivalent yet; join the "
                ~ "dimensions to the source directly.") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(definition) }}
{% endmacro %}
