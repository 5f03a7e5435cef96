{#
    Creates the retention ledger if it does not exist (on-run-start, so the bronze models can
    read it; apply_retention_policy writes it). Idempotent; never drops or alters.
#}
{% macro create_retention_tables() %}
    {%- if execute -%}
        {%- do lakehouse.create_tables_if_missing([
            (lakehouse.retention_expired_files_relation(), lakehouse.retention_expired_files_columns())
        ]) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
