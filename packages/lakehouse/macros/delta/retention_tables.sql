{#
    Where retention records what it expired: `observability.retention_expired_files`, one row
    per landing file whose bronze records the retention policy deleted. Bronze ingests a file
    whose path it does not hold; without this ledger it would ingest an expired file again.
    Not a dbt model, so a full refresh never drops it.
#}
{% macro retention_expired_files_relation() %}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('observability', none) | trim,
        identifier='retention_expired_files')) }}
{% endmacro %}

{% macro retention_expired_files_columns() %}
    {{ return([
        ('model_name', dbt.type_string()),
        ('source_file', dbt.type_string()),
        ('retention_days', dbt.type_int()),
        ('expired_before', dbt.type_timestamp()),
        ('expired_at', dbt.type_timestamp()),
    ]) }}
{% endmacro %}
