{#
    For a JSON lines file holding malformed lines (not JSON objects), the keys its valid
    lines hold, sorted; none for a clean file. DuckDB's JSON sniffer fails on such a file
    (or turns it into one `json` column), so schema-change detection then compares names
    only and reports no type for it; the malformed lines are quarantined by bronze.
    Dispatched: Databricks' read_files sniffs past corrupt records (none).
#}
{% macro landing_json_keys(entity, file_path) %}
    {{ return(adapter.dispatch('landing_json_keys', 'lakehouse_bi')(entity, file_path)) }}
{% endmacro %}

{% macro default__landing_json_keys(entity, file_path) %}
    {{ return(none) }}
{% endmacro %}

{% macro duckdb__landing_json_keys(entity, file_path) %}
    {%- set query -%}
        with lines as (
            select
                line,
                -- case, not and: json_type fails on invalid JSON (quoting the line).
                case
                    when json_valid(line) then json_type(line) = 'OBJECT' else false
                end as is_object
            from read_csv(
                '{{ file_path }}', header = false, auto_detect = false, strict_mode = false,
                columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = ''
            )
            where coalesce(line, '') != ''
        ),

        object_keys as (
            select distinct unnest(json_keys(line)) as key_name
            from lines
            where is_object
        )

        select
            (select count(*) from lines where not is_object) as malformed_lines,
            (select list(key_name order by key_name) from object_keys) as key_names
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {{ return(none if row[0] == 0 else (row[1] or [])) }}
{% endmacro %}
