{#
    Columns bronze gained from landing files beyond the declared ones (auto_fix added them
    in earlier runs), in table order. None on a full build: the rebuilt table regains them
    from the files that carry them.
#}
{% macro bronze_added_columns(entity) %}
    {%- if not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set ingestion_columns = [
        '_corrupt_record', '_source_file', '_source_line', '_batch_id', '_is_redelivered',
        '_ingested_at',
    ] -%}
    {%- set added = [] -%}
    {%- for column in adapter.get_columns_in_relation(this) -%}
        {%- if column.name not in entity.columns and column.name not in ingestion_columns -%}
            {%- do added.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(added) }}
{% endmacro %}
