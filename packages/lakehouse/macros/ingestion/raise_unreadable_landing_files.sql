{#
    Fails the run, naming each file, when a new landing file is not UTF-8 text: the one
    landing input that may fail a build (docs/LANDING.md, "What may fail a build"), since
    no line of it can be read as the contract says. The error quotes no content. DuckDB
    checks each file whole (its CSV reader would otherwise fail quoting the line);
    Databricks' read_files decodes invalid bytes as U+FFFD without failing, so there the
    typed checks judge the values (no check here).
#}
{% macro raise_unreadable_landing_files(entity, file_paths) %}
    {{ return(adapter.dispatch('raise_unreadable_landing_files', 'lakehouse')(
        entity, file_paths)) }}
{% endmacro %}

{% macro default__raise_unreadable_landing_files(entity, file_paths) %}
{% endmacro %}

{% macro duckdb__raise_unreadable_landing_files(entity, file_paths) %}
    {%- if not file_paths -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select filename
        from read_blob([
            {%- for file_path in file_paths -%}
                {{ lakehouse.sql_string_literal(file_path) }}{{ ", " if not loop.last }}
            {%- endfor -%}
        ])
        where try(decode(content)) is null
        order by filename
    {%- endset -%}
    {%- set unreadable = run_query(query).columns[0].values() | list -%}
    {%- if unreadable -%}
        {%- set names = [] -%}
        {%- for file_path in unreadable -%}
            {%- do names.append(modules.re.search('[^/]+/batch=[^/]+/[^/]+$', file_path)
                .group(0)) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "Landing files of landing." ~ entity.name ~ " are not UTF-8 text, so no record "
            ~ "of them can be read (docs/LANDING.md): " ~ names | join(", ") ~ ". Nothing of "
            ~ "this run's files of the entity was loaded. Ask the producer to re-deliver each "
            ~ "as UTF-8 under the same name, or move it out of the landing root, then rerun.") }}
    {%- endif -%}
{% endmacro %}
