{#
    Elementary records every test result through its test materialization. dbt requires the
    project itself to opt in to a package's override of a built-in materialization.

    A test whose config has `meta.failure_message` also names what failed: dbt's own
    message only counts rows ("Got 1 result"), so each of the first 20 failing rows is
    logged as a dbt warning, the message with `{column}` replaced by the row's value.
    Only for tests whose rows hold names, never data values (no PII in logs).
#}
{% materialization test, default %}
    {%- set message = config.get('meta', {}).get('failure_message') -%}
    {%- if message and execute -%}
        {%- set failures = run_query(
            'select * from (' ~ sql ~ ') as failures limit 20') -%}
        {%- for row in failures.rows -%}
            {%- set ns = namespace(text=message) -%}
            {%- for column_name in failures.column_names -%}
                {%- set ns.text = ns.text | replace(
                    '{' ~ column_name ~ '}', row[loop.index0] | string) -%}
            {%- endfor -%}
            {%- do exceptions.warn(model.name ~ ": " ~ ns.text) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(elementary.materialization_test_default()) }}
{% endmaterialization %}
