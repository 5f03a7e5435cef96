{#
    The columns one landing file actually holds, with the types the engine infers from its
    values: a list of (name, data_type) in file order. Each engine sniffs the file the way
    it would read it without a declared schema. A CSV file's names are those of its first
    line (landing_csv_header) whatever the sniffer makes of malformed rows; a type comes
    from the sniffer only when it saw as many columns, else none (no type information). A
    JSON lines file with malformed lines gives its valid lines' keys, without types
    (landing_json_keys).
#}
{% macro landing_file_columns(entity, file_path) %}
    {%- if entity.format == 'jsonl' and execute -%}
        {%- set keys = landing_json_keys(entity, file_path) -%}
        {%- if keys is not none -%}
            {%- set columns = [] -%}
            {%- for key_name in keys -%}
                {%- do columns.append((key_name, none)) -%}
            {%- endfor -%}
            {{ return(columns) }}
        {%- endif -%}
    {%- endif -%}
    {%- set header = landing_csv_header(entity, file_path) if entity.format == 'csv' else none -%}
    {%- set rows = run_query(adapter.dispatch('landing_file_columns_sql', 'lakehouse_bi')(
        entity, file_path, header)) -%}
    {%- set sniffed = [] -%}
    {#- The reader's own columns (rescued data, corrupt records) are not the file's. -#}
    {%- for row in rows if not row[0].startswith(('_rescued_data', '_corrupt_record')) -%}
        {%- do sniffed.append((row[0], row[1])) -%}
    {%- endfor -%}
    {%- if header is none -%}
        {{ return(sniffed) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column_name in header -%}
        {%- do columns.append((column_name,
            sniffed[loop.index0][1] if sniffed | length == header | length else none)) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}

{#
    `batch=` folders are not columns of the file. CSV: the contract's dialect, the header
    on line 1 (skip = 0) named as line 1 names it where DuckDB accepts the names (non-empty,
    unique), and rows with a wrong field count left out of the type sniffing
    (ignore_errors) so a malformed row neither adds, drops nor renames a column.
#}
{% macro duckdb__landing_file_columns_sql(entity, file_path, header) %}
    {%- if entity.format == 'csv' -%}
        {%- set names = header | map('trim') | map('lower') | list -%}
        describe select * from read_csv(
            '{{ file_path }}', header = true, skip = 0, delim = ',', quote = '"', escape = '"',
            {%- if names and names | select | list | length == names | length
                and names | unique | list | length == names | length %}
            names = [
                {%- for column_name in header -%}
                    {{ sql_string_literal(column_name) }}{{ ", " if not loop.last }}
                {%- endfor -%}
            ],
            {%- endif %}
            ignore_errors = true, strict_mode = false, hive_partitioning = false
        )
    {%- else -%}
        describe select * from read_json_auto(
            '{{ file_path }}', format = 'newline_delimited', hive_partitioning = false
        )
    {%- endif -%}
{% endmacro %}

{#
    DESCRIBE QUERY infers the schema without reading past the inference sample. CSV:
    header => true names the columns from line 1 (Spark's reader does not look for the
    header elsewhere), so a malformed later row cannot rename them.
#}
{% macro databricks__landing_file_columns_sql(entity, file_path, header) %}
    describe query select * from read_files(
        '{{ file_path }}',
        format => '{{ "csv" if entity.format == "csv" else "json" }}',
        {%- if entity.format == 'csv' %}
        header => true,
        {%- endif %}
        inferColumnTypes => true
    )
{% endmacro %}
