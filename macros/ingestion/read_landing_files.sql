{#
    A select over an entity's landing files: every column of `entity.columns` as a string
    (bronze keeps records as delivered; silver types them) plus `_source_path`, the full
    path of its file. Columns are matched by name; a column a file lacks reads as null.
#}
{% macro read_landing_files(entity) %}
    {{ return(adapter.dispatch('read_landing_files', 'lakehouse_bi')(entity)) }}
{% endmacro %}

{#
    DuckDB reads the glob, or, when detect_schema_changes listed them, exactly the files of
    this run (`entity.files`): a CSV header is then matched by name against the columns
    those files hold (`entity.file_columns`), a column none of them holds is null, and no
    new file means no read at all.
#}
{% macro duckdb__read_landing_files(entity) %}
    {%- set files = entity.get('files') -%}
    {%- if files is none -%}
        {%- set paths = "'" ~ entity.glob ~ "'" -%}
        {%- set present = entity.columns -%}
    {%- else -%}
        {%- set paths -%}
            [{%- for file_path in files -%}
                '{{ file_path }}'{{ ", " if not loop.last }}
            {%- endfor -%}]
        {%- endset -%}
        {%- set present = entity.file_columns if entity.format == 'csv' else entity.columns -%}
    {%- endif -%}
    {%- set typed_columns -%}
        { {%- for column in entity.columns -%}
            '{{ column }}': 'VARCHAR'{{ ", " if not loop.last }}
        {%- endfor -%} }
    {%- endset -%}
    select
        {% for column in entity.columns -%}
            {%- if files != [] and column in present -%}
                {{ adapter.quote(column) }},
            {% else -%}
                cast(null as varchar) as {{ adapter.quote(column) }},
            {% endif -%}
        {% endfor -%}
        {{ "cast(null as varchar)" if files == [] else "filename" }} as _source_path
    {% if files == [] -%}
        where false
    {%- elif entity.format == 'csv' -%}
        from read_csv(
            {{ paths }},
            header = true, all_varchar = true, union_by_name = true, filename = true
        )
    {%- else -%}
        from read_json(
            {{ paths }},
            format = 'newline_delimited', columns = {{ typed_columns }}, filename = true
        )
    {%- endif %}
{% endmacro %}

{#
    Databricks reads the glob; bronze's file-name filter keeps what is new. With a
    rescued-data column read_files matches CSV header names to the schema rather than
    positions (Auto Loader's CSV behaviour; not verifiable offline), so an added or dropped
    CSV column cannot shift the others.
#}
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
        rescuedDataColumn => '_rescued_data',
        {%- endif %}
        schema => '{{ schema }}'
    )
{% endmacro %}
