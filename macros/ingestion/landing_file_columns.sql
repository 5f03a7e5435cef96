{#
    The columns one landing file actually holds, with the types the engine infers from its
    values: a list of (name, data_type) in file order. Each engine sniffs the file the way
    it would read it without a declared schema.
#}
{% macro landing_file_columns(entity, file_path) %}
    {%- set rows = run_query(
        adapter.dispatch('landing_file_columns_sql', 'lakehouse_bi')(entity, file_path)) -%}
    {%- set columns = [] -%}
    {%- for row in rows if not row[0].startswith('_rescued_data') -%}
        {%- do columns.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}

{# `batch=` folders are not columns of the file. #}
{% macro duckdb__landing_file_columns_sql(entity, file_path) %}
    {%- if entity.format == 'csv' -%}
        describe select * from read_csv(
            '{{ file_path }}', header = true, hive_partitioning = false
        )
    {%- else -%}
        describe select * from read_json_auto(
            '{{ file_path }}', format = 'newline_delimited', hive_partitioning = false
        )
    {%- endif -%}
{% endmacro %}

{# DESCRIBE QUERY infers the schema without reading past the inference sample. #}
{% macro databricks__landing_file_columns_sql(entity, file_path) %}
    describe query select * from read_files(
        '{{ file_path }}',
        format => '{{ "csv" if entity.format == "csv" else "json" }}',
        {%- if entity.format == 'csv' %}
        header => true,
        {%- endif %}
        inferColumnTypes => true
    )
{% endmacro %}
