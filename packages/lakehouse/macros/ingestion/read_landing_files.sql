{#
    A select over an entity's landing files: every column of `entity.columns` as a string
    (bronze keeps records as delivered; silver types them), `_corrupt_record` (the raw text
    of a record the reader could not parse, else null; the record's columns are then null),
    `_source_path` (the full path of its file) and `_source_line` (the record's line in its
    file, counting non-empty lines, the CSV header being line 1). Columns are matched by
    name; a column a file lacks reads as null. A malformed record is kept, never dropped: the
    checked feed quarantines it as `malformed_row`.
#}
{% macro read_landing_files(entity) %}
    {{ return(adapter.dispatch('read_landing_files', 'lakehouse')(entity)) }}
{% endmacro %}

{#
    DuckDB reads each new file (`entity.files`, listed by detect_schema_changes; without a
    list, the whole glob) as lines, numbered WITH ORDINALITY (file order, then line order),
    and parses them here, so the header is always line 1 and one bad line cannot change how
    the others are read:
    - CSV (RFC 4180 on one line): a line that is not a sequence of quoted / unquoted fields,
      or whose field count differs from its header's, is malformed;
    - JSON lines: a line that is not a JSON object is malformed.
    A record longer than var `landing_max_record_chars` is malformed too (both engines).
#}
{% macro duckdb__read_landing_files(entity) %}
    {#- No file list (no schema-change detection ran, e.g. freshness): every file. -#}
    {%- set files = entity.get('files') -%}
    {%- if files == [] -%}
        {{ lakehouse.no_landed_records(entity) }}
    {%- else -%}
        with {{ lakehouse.duckdb__landing_lines(entity.glob if files is none else files) }},

        {{ lakehouse.duckdb__parse_landing_lines(entity) }}
    {%- endif -%}
{% endmacro %}

{#
    The CTEs `physical_lines`, `numbered_lines` over landing files (a glob or a list of
    paths): every line as text, numbered per file without empty lines; with `max_lines`,
    only the first physical lines of a single file. No dialect, no sniffing: a file that is
    UTF-8 is read whatever its lines hold.
#}
{% macro duckdb__landing_lines(paths, max_lines=none) -%}
    {%- set path_list -%}
        {%- if paths is string -%}
            {{ lakehouse.sql_string_literal(paths) }}
        {%- else -%}
            [{%- for file_path in paths -%}
                {{ lakehouse.sql_string_literal(file_path) }}{{ ", " if not loop.last }}
            {%- endfor -%}]
        {%- endif -%}
    {%- endset -%}
    physical_lines as (
        select
            filename as _source_path,
            ordinality as _read_position,
            rtrim(line, chr(13)) as line
        from {{ lakehouse.duckdb__landing_line_reader(path_list) }} with ordinality
        {%- if max_lines is not none %}
        where ordinality <= {{ max_lines | int }}
        {%- endif %}
    ),

    numbered_lines as (
        select
            _source_path,
            line,
            row_number() over (
                partition by _source_path order by _read_position
            ) as _source_line
        from physical_lines
        where coalesce(line, '') != ''
    )
{%- endmacro %}

{#
    DuckDB's CSV reader used as a line reader: one text column, a delimiter and no quote,
    so no line can fail to parse and no sniffer runs. `max_line_size` is DuckDB's ceiling
    (256 MiB, its default is 2 MB): a longer line is the one thing that makes a file
    unreadable. The only place landing lines are read on DuckDB.
#}
{% macro duckdb__landing_line_reader(path_list) -%}
    read_csv(
        {{ path_list }},
        columns = {'line': 'VARCHAR'}, header = false, auto_detect = false,
        delim = chr(1), quote = '', escape = '', strict_mode = false,
        max_line_size = 268435456, filename = true
    )
{%- endmacro %}

{#
    The CTEs `headers` and `split_lines` after `numbered_lines`: each CSV line after the
    header split into its fields (RFC 4180 on one line), with the header's fields and
    `is_tokenized` (the line is a sequence of quoted / unquoted fields). A field: quoted
    ("" escapes a quote), or unquoted without quotes or commas. Each field is matched with
    the comma before it (one is prepended to the line): an empty first field then cannot
    swallow the next.
#}
{% macro duckdb__landing_csv_fields() -%}
    {%- set field = '"(?:[^"]|"")*"|[^",]*' -%}
    headers as (
        select
            _source_path,
            regexp_extract_all(
                ',' || replace(line, chr(65279), ''), ',({{ field }})', 1
            ) as header_fields
        from numbered_lines
        where _source_line = 1
    ),

    split_lines as (
        select
            numbered_lines.*,
            headers.header_fields,
            regexp_extract_all(',' || numbered_lines.line, ',({{ field }})', 1) as fields,
            regexp_full_match(
                numbered_lines.line, '(?:{{ field }})(?:,(?:{{ field }}))*'
            ) as is_tokenized
        from numbered_lines
        inner join headers on numbered_lines._source_path = headers._source_path
        where numbered_lines._source_line > 1
    )
{%- endmacro %}

{#
    The DuckDB reader's CTEs after `numbered_lines`, then its select: each line split into
    the entity's columns (`parsed_records`, with `is_parsed`), then judged.
#}
{% macro duckdb__parse_landing_lines(entity) %}
    {%- if entity.format == 'csv' -%}
        {{ lakehouse.duckdb__landing_csv_fields() }},

        parsed_records as (
            select
                {% for column in entity.columns -%}
                    nullif({{ lakehouse.duckdb__csv_field_value(
                        "fields[list_position(header_fields, " ~ lakehouse.sql_string_literal(column) ~ ")]") }}, '')
                        as {{ adapter.quote(column) }},
                {% endfor -%}
                is_tokenized and len(fields) = len(header_fields) as is_parsed,
                line,
                _source_path,
                _source_line
            from split_lines
        ),
    {%- else -%}
        {%- set struct_type -%}
            { {%- for column in entity.columns -%}
                "{{ column }}": "VARCHAR"{{ ", " if not loop.last }}
            {%- endfor -%} }
        {%- endset -%}
        json_lines as (
            select
                *,
                -- case, not and: json_type fails on invalid JSON (quoting the line).
                case
                    when json_valid(line) then json_type(line) = 'OBJECT' else false
                end as is_parsed
            from numbered_lines
        ),

        json_records as (
            select
                *,
                -- The function sees valid JSON only: DuckDB may evaluate it before the case
                -- filters, and its error would quote the line (PII).
                json_transform(
                    case when is_parsed then line else '{}' end, '{{ struct_type }}'
                ) as record
            from json_lines
        ),

        parsed_records as (
            select
                {% for column in entity.columns -%}
                    record.{{ adapter.quote(column) }} as {{ adapter.quote(column) }},
                {% endfor -%}
                is_parsed,
                line,
                _source_path,
                _source_line
            from json_records
        ),
    {%- endif %}

    judged_records as (
        select
            *,
            is_parsed and {{ lakehouse.landing_record_length(entity) }} <= {{ var('landing_max_record_chars') | int }}
                as is_well_formed
        from parsed_records
    )

    select
        {% for column in entity.columns -%}
            case when is_well_formed then {{ adapter.quote(column) }} end
                as {{ adapter.quote(column) }},
        {% endfor -%}
        case when not is_well_formed then line end as _corrupt_record,
        _source_path,
        _source_line
    from judged_records
{% endmacro %}

{# A CSV field's value: a quoted field loses its quotes and "" becomes ". #}
{% macro duckdb__csv_field_value(field) -%}
    case
        when starts_with({{ field }}, '"')
            then replace({{ field }}[2:-2], '""', '"')
        else {{ field }}
    end
{%- endmacro %}

{# Characters in a record's declared fields: the measure of var landing_max_record_chars. #}
{% macro landing_record_length(entity) -%}
    ({% for column in entity.columns -%}
        coalesce(length({{ adapter.quote(column) }}), 0){{ " + " if not loop.last }}
    {%- endfor %})
{%- endmacro %}

{#
    Databricks reads the glob with `read_files`: an explicit all-string schema plus the
    `_corrupt_record` column, PERMISSIVE mode (a record the parser cannot read keeps its raw
    text there; since Spark 3.0 a CSV row whose field count differs from the schema is such
    a record), and for CSV a rescued-data column, with which `read_files` matches header
    names to the schema rather than positions, so an added or dropped column cannot shift
    the others. The line: file order is (file block, position in the block's partition);
    Spark skips empty lines, as the DuckDB reader does.
    Incremental by file without re-reading history (docs/DATABRICKS.md, "Ingestion on
    Databricks"): on an incremental run, no new file, no read at all; else `modifiedAfter`
    (a generic file-source option of read_files) skips every file older than the earliest
    new one (listed from file metadata by detect_schema_changes), so the files already in
    bronze are not opened; bronze's path filter then drops an old file that was touched
    since (its modification time moved, its name did not).
#}
{% macro databricks__read_landing_files(entity) %}
    {%- if entity.get('files') == [] and is_incremental() -%}
        {{ lakehouse.no_landed_records(entity) }}
    {%- else -%}
        {{ lakehouse.databricks__read_landed_files(entity) }}
    {%- endif -%}
{% endmacro %}

{#
    `modifiedAfter` is exclusive and Spark reads it to the second: one second before the
    earliest new file.
#}
{% macro databricks__read_landed_files(entity) %}
    {%- set schema -%}
        {%- for column in entity.columns -%}
            `{{ column }}` STRING,{{ " " }}
        {%- endfor -%}
        `_corrupt_record` STRING
    {%- endset -%}
    {%- set max_chars = var('landing_max_record_chars') | int -%}
    with landed as (
        select
            *,
            _metadata.file_path as _source_path,
            _metadata.file_block_start as _file_block_start,
            monotonically_increasing_id() as _read_position
        from read_files(
            {{ lakehouse.sql_string_literal(entity.glob) }},
            format => '{{ "csv" if entity.format == "csv" else "json" }}',
            {%- if entity.format == 'csv' %}
            header => true,
            rescuedDataColumn => '_rescued_data',
            {%- endif %}
            {%- if is_incremental() and entity.get('files_modified_from') is not none %}
            modifiedAfter => '{{ (entity.files_modified_from
                - modules.datetime.timedelta(seconds=1)).strftime('%Y-%m-%dT%H:%M:%S') }}',
            {%- endif %}
            mode => 'PERMISSIVE',
            columnNameOfCorruptRecord => '_corrupt_record',
            schema => '{{ schema }}'
        )
    ),

    judged as (
        select
            *,
            _corrupt_record is null
            and {{ lakehouse.landing_record_length(entity) }} <= {{ max_chars }} as is_well_formed
        from landed
    )

    select
        {% for column in entity.columns -%}
            case when is_well_formed then {{ adapter.quote(column) }} end
                as {{ adapter.quote(column) }},
        {% endfor -%}
        case
            when not is_well_formed
                then coalesce(_corrupt_record, to_json(struct(
                    {%- for column in entity.columns -%}
                        {{ adapter.quote(column) }}{{ ", " if not loop.last }}
                    {%- endfor -%}
                )))
        end as _corrupt_record,
        _source_path,
        row_number() over (
            partition by _source_path order by _file_block_start, _read_position
        ) {{- " + 1" if entity.format == 'csv' }} as _source_line
    from judged
{% endmacro %}
