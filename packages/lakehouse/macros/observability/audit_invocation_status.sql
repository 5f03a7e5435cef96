{#
    One status for a whole invocation from its node results: `error` if any node errored or
    failed, `warn` if any warned (or a microbatch model partly succeeded), else `success`.
#}
{% macro audit_invocation_status(results) %}
    {%- set statuses = results | map(attribute='status') | map('string') | map('lower') | list -%}
    {%- if statuses | select('in', ['error', 'fail', 'runtime error']) | list -%}
        {{ return('error') }}
    {%- elif statuses | select('in', ['warn', 'partial success']) | list -%}
        {{ return('warn') }}
    {%- endif -%}
    {{ return('success') }}
{% endmacro %}
