{#
    The column names of a CSV landing file, always from its first line (the contract:
    header row, comma separator, `"` quoting). DuckDB's sniffer may otherwise take a later
    row as the header, e.g. a last row with one unquoted comma too many, and report its
    values as columns. Dispatched: none where the engine's reader already takes line 1.
#}
{% macro landing_csv_header(entity, file_path) %}
    {{ return(adapter.dispatch('landing_csv_header', 'lakehouse')(entity, file_path)) }}
{% endmacro %}

{# Databricks read_files with header => true always takes line 1 (no sniffed header row). #}
{% macro default__landing_csv_header(entity, file_path) %}
    {{ return(none) }}
{% endmacro %}

{#
    Line 1 read by the bronze reader's line reader (no quoting, no sniffing): the first
    non-empty line, as bronze counts lines.
#}
{% macro duckdb__landing_csv_header(entity, file_path) %}
    {%- set query -%}
        with {{ lakehouse.duckdb__landing_lines([file_path], max_lines=64) }}

        select line from numbered_lines where _source_line = 1
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- set line = (rows[0][0] if rows else none) or '' -%}
    {%- set line = line.lstrip('\ufeff').rstrip('\r') -%}
    {%- if not line -%}
        {{ return([]) }}
    {%- endif -%}
    {#- Split on commas outside quotes; a quoted name loses its quotes, `""` is one `"`. -#}
    {%- set names = [] -%}
    {%- for field in modules.re.findall('(?:^|(?<=,))("(?:[^"]|"")*"|[^,]*)', line) -%}
        {%- if field | length > 1 and field.startswith('"') and field.endswith('"') -%}
            {%- set field = field[1:-1] | replace('""', '"') -%}
        {%- endif -%}
        {%- do names.append(field) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}
