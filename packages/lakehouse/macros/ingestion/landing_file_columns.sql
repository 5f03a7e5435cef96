{#
    The columns one landing file actually holds, with the types the engine infers from its
    values: a list of (name, data_type) in file order. Each engine sniffs the file the way
    it would read it without a declared schema. A CSV file's names are those of its first
    line (landing_csv_header) whatever the file's other rows hold; a type comes from the
    engine only when it saw as many columns, else none (no type information). Malformed
    records never add, drop, rename or retype a column.
#}
{% macro landing_file_columns(entity, file_path) %}
    {%- set header = lakehouse.landing_csv_header(entity, file_path) if entity.format == 'csv' else none -%}
    {%- if header == [] -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(adapter.dispatch('landing_file_columns_sql', 'lakehouse')(
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
    DuckDB: no sniffer (DuckDB's fails on a CSV whose last line opens a quote, on lines over
    2 MB, on JSON objects over 16 MB, and any of those would fail the build); the lines are
    read by the bronze reader's line reader.
    CSV: each column's type inferred from its values, split by the bronze reader's own
    field parser. Rows that do not tokenize or have the wrong field count are left
    out, so a malformed row neither adds, drops, renames nor retypes a column. The type is
    the narrowest one every value of the column is a literal of, the contract's forms
    (packages/lakehouse/macros/casting/) plus plain floats: BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, else
    VARCHAR; NULL for a column without values. Columns are matched by position in line 1.
    JSON lines: each key's type from its JSON values over the lines that are objects
    (BIGINT, DOUBLE, BOOLEAN, STRUCT, VARCHAR[]; strings that are all dates or timestamps
    by the contract's forms: DATE, TIMESTAMP; else VARCHAR), keys in order of appearance.
    Both formats look at the first var `landing_type_sample_lines` lines of a file, as a
    sniffer samples; nothing here can fail on a record's content.
#}
{% macro duckdb__landing_file_columns_sql(entity, file_path, header) %}
    {%- if entity.format == 'csv' -%}
        {%- set float_form = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$' -%}
        with {{ lakehouse.duckdb__landing_lines([file_path], max_lines=var('landing_type_sample_lines')) }},

        {{ lakehouse.duckdb__landing_csv_fields() }},

        field_values as (
            select
                {%- for column_name in header %}
                {{ lakehouse.landing_text(lakehouse.duckdb__csv_field_value('fields[' ~ loop.index ~ ']')) }}
                    as value_{{ loop.index }}{{ "," if not loop.last }}
                {%- endfor %}
            from split_lines
            where is_tokenized and len(fields) = {{ header | length }}
        ),

        value_counts as (
            select
                {%- for column_name in header %}
                {%- set value = 'value_' ~ loop.index %}
                count({{ value }}) as values_{{ loop.index }},
                count({{ lakehouse.landing_integer(value) }}) as integers_{{ loop.index }},
                count(case when {{ lakehouse.regex_matches(value, float_form) }} then 1 end)
                    as floats_{{ loop.index }},
                count({{ lakehouse.landing_boolean(value) }}) as booleans_{{ loop.index }},
                count({{ lakehouse.landing_date(value) }}) as dates_{{ loop.index }},
                count(coalesce({{ lakehouse.landing_timestamp(value) }}, {{ lakehouse.landing_date(value) }}))
                    as timestamps_{{ loop.index }}{{ "," if not loop.last }}
                {%- endfor %}
            from field_values
        )

        {% for column_name in header -%}
            {%- set i = loop.index -%}
            select
                {{ lakehouse.sql_string_literal(column_name) }} as column_name,
                case values_{{ i }}
                    when 0 then 'NULL'
                    when integers_{{ i }} then 'BIGINT'
                    when floats_{{ i }} then 'DOUBLE'
                    when booleans_{{ i }} then 'BOOLEAN'
                    when dates_{{ i }} then 'DATE'
                    when timestamps_{{ i }} then 'TIMESTAMP'
                    else 'VARCHAR'
                end as column_type,
                {{ i }} as column_position
            from value_counts
            {{ "union all" if not loop.last }}
        {% endfor -%}
        order by column_position
    {%- else -%}
        with {{ lakehouse.duckdb__landing_lines([file_path], max_lines=var('landing_type_sample_lines')) }},

        objects as (
            select
                _source_line,
                line,
                json_keys(line) as key_names
            from numbered_lines
            -- case, not and: json_type fails on invalid JSON (quoting the line).
            where case when json_valid(line) then json_type(line) = 'OBJECT' else false end
        ),

        keys as (
            select
                _source_line,
                line,
                unnest(key_names) as column_name,
                generate_subscripts(key_names, 1) as key_position
            from objects
        ),

        entries as (
            select
                _source_line,
                key_position,
                column_name,
                -- A key is a JSON path member in double quotes (a duplicate key: the first).
                json_extract(line, '$."' || replace(column_name, '"', '\"') || '"')
                    as field_value
            from keys
        ),

        field_types as (
            select
                column_name,
                _source_line,
                key_position,
                json_type(field_value) as value_type,
                case when json_type(field_value) = 'VARCHAR' then field_value ->> '$' end
                    as text_value
            from entries
        )

        select
            column_name,
            case
                when count(*) filter (where value_type != 'NULL') = 0 then 'NULL'
                when bool_and(value_type in ('BIGINT', 'UBIGINT'))
                    filter (where value_type != 'NULL') then 'BIGINT'
                when bool_and(value_type in ('BIGINT', 'UBIGINT', 'DOUBLE'))
                    filter (where value_type != 'NULL') then 'DOUBLE'
                when bool_and(value_type = 'BOOLEAN')
                    filter (where value_type != 'NULL') then 'BOOLEAN'
                when bool_and({{ lakehouse.landing_date('text_value') }} is not null)
                    filter (where value_type != 'NULL') then 'DATE'
                when bool_and(coalesce(
                    {{ lakehouse.landing_timestamp('text_value') }}, {{ lakehouse.landing_date('text_value') }}
                ) is not null) filter (where value_type != 'NULL') then 'TIMESTAMP'
                when bool_and(value_type = 'OBJECT')
                    filter (where value_type != 'NULL') then 'STRUCT'
                when bool_and(value_type = 'ARRAY')
                    filter (where value_type != 'NULL') then 'VARCHAR[]'
                else 'VARCHAR'
            end as column_type
        from field_types
        group by column_name
        order by min(_source_line * 100000 + key_position)
    {%- endif -%}
{% endmacro %}

{#
    DESCRIBE QUERY infers the schema without reading past the inference sample. CSV:
    header => true names the columns from line 1 (Spark's reader does not look for the
    header elsewhere), so a malformed later row cannot rename them.
#}
{% macro databricks__landing_file_columns_sql(entity, file_path, header) %}
    describe query select * from read_files(
        {{ lakehouse.sql_string_literal(file_path) }},
        format => '{{ "csv" if entity.format == "csv" else "json" }}',
        {%- if entity.format == 'csv' %}
        header => true,
        {%- endif %}
        inferColumnTypes => true
    )
{% endmacro %}
