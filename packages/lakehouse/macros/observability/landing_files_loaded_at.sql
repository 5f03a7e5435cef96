{#
    Freshness of a master-data landing feed: when its newest file was delivered (file
    modification time). Master data legitimately goes weeks without a change, so the record
    timestamps would alarm on quiet weeks; what must not stop is the extract arriving.
    Only file metadata is read, never the content.
#}
{% macro landing_files_loaded_at(table_name) %}
    {%- set entity = lakehouse.landing_entity(table_name) -%}
    {{ return(adapter.dispatch('landing_files_loaded_at', 'lakehouse')(entity)) }}
{% endmacro %}

{% macro duckdb__landing_files_loaded_at(entity) %}
    select max(landed_file.last_modified)
    from read_blob({{ lakehouse.sql_string_literal(entity.glob) }}) as landed_file
{% endmacro %}

{% macro databricks__landing_files_loaded_at(entity) %}
    select max(landed_file.modificationtime)
    from read_files({{ lakehouse.sql_string_literal(entity.glob) }}, format => 'binaryFile') as landed_file
{% endmacro %}
