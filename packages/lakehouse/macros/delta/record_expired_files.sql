{#
    Records in observability.retention_expired_files each landing file of a bronze model
    whose records `expired` (a predicate) selects, once per file, before they are deleted.
#}
{% macro record_expired_files(node, relation, expired, days, cutoff) %}
    {%- set ledger = lakehouse.retention_expired_files_relation() -%}
    {%- set statement -%}
        insert into {{ ledger }} (model_name, source_file, retention_days, expired_before, expired_at)
        select distinct
            '{{ node.name }}',
            expiring._source_file,
            {{ days }},
            cast('{{ cutoff }} 00:00:00' as {{ dbt.type_timestamp() }}),
            cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        from {{ relation }} as expiring
        where
            {{ expired }}
            and expiring._source_file not in (
                select recorded.source_file from {{ ledger }} as recorded
                where recorded.model_name = '{{ node.name }}'
            )
    {%- endset -%}
    {%- do run_query(statement) -%}
{% endmacro %}
