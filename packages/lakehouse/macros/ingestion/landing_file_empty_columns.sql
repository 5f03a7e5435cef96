{#
    The columns (of `column_names`) that hold no value at all in one landing file, counted
    over the file read exactly as bronze reads it (on Databricks with the run's
    `modifiedAfter`, so this read prunes like bronze's own).
#}
{% macro landing_file_empty_columns(entity, file_path, column_names) %}
    {%- set one_file = {
        'name': entity.name,
        'format': entity.format,
        'columns': column_names,
        'files': [file_path],
        'file_columns': column_names,
        'glob': file_path,
        'files_modified_from': entity.get('files_modified_from'),
    } -%}
    {%- set query -%}
        select
            {%- for column_name in column_names %}
            count({{ adapter.quote(column_name) }}) as {{ adapter.quote(column_name) }}
            {{- "," if not loop.last }}
            {%- endfor %}
        from ({{ lakehouse.read_landing_files(one_file) }}) as landed
    {%- endset -%}
    {%- set counts = run_query(query).rows[0] -%}
    {%- set empty = [] -%}
    {%- for column_name in column_names -%}
        {%- if counts[loop.index0] == 0 -%}
            {%- do empty.append(column_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(empty) }}
{% endmacro %}
