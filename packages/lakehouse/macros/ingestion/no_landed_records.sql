{#
    The reader's relation when there is no file to read: the landed columns, no rows. Both
    engines' readers return it (a read of an empty file list would fail or read everything).
#}
{% macro no_landed_records(entity) %}
    select
        {% for column in entity.columns -%}
            cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(column) }},
        {% endfor -%}
        cast(null as {{ dbt.type_string() }}) as _corrupt_record,
        cast(null as {{ dbt.type_string() }}) as _source_path,
        cast(null as {{ dbt.type_bigint() }}) as _source_line
    where false
{% endmacro %}
