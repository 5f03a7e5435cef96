{#
    A select over an entity's landing files: every declared column as a string (bronze keeps
    records as delivered; silver types them) plus `_source_path`, the full path of its file.
#}
{% macro read_landing_files(entity) %}
    {{ return(adapter.dispatch('read_landing_files', 'lakehouse_bi')(entity)) }}
{% endmacro %}

{% macro duckdb__read_landing_files(entity) %}
    {%- set typed_columns -%}
        { {%- for column in entity.columns -%}
            '{{ column }}': 'VARCHAR'{{ ", " if not loop.last }}
        {%- endfor -%} }
    {%- endset -%}
    select
        {% for column in entity.columns -%}
            {{ adapter.quote(column) }},
        {% endfor -%}
        filename as _source_path
    {% if entity.format == 'csv' -%}
        from read_csv('{{ entity.glob }}', header = true, columns = {{ typed_columns }}, filename = true)
    {%- else -%}
        from read_json('{{ entity.glob }}', format = 'newline_delimited', columns = {{ typed_columns }}, filename = true)
    {%- endif %}
{% endmacro %}

{% macro databricks__read_landing_files(entity) %}
    {%- set schema -%}
        {%- for column in entity.columns -%}
            `{{ column }}` STRING{{ ", " if not loop.last }}
        {%- endfor -%}
    {%- endset -%}
    select
        {% for column in entity.columns -%}
            {{ adapter.quote(column) }},
        {% endfor -%}
        _metadata.file_path as _source_path
    from read_files(
        '{{ entity.glob }}',
        format => '{{ "csv" if entity.format == "csv" else "json" }}',
        {%- if entity.format == 'csv' %}
        header => true,
        {%- endif %}
        schema => '{{ schema }}'
    )
{% endmacro %}
