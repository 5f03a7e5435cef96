{#
    A landed CDC operation code normalised to insert, update or delete: compared lower-cased
    and without surrounding spaces against var `cdc_operation_codes` (defaults: insert / i /
    c / r for snapshot reads, update / u, delete / d). Null for anything else or a missing
    code, which the checked feed quarantines as `unknown_operation`.
#}
{% macro landing_cdc_operation(value) -%}
    {%- set codes = var('cdc_operation_codes') -%}
    {%- for operation in codes if operation not in ('insert', 'update', 'delete') -%}
        {{ exceptions.raise_compiler_error(
            "var cdc_operation_codes: '" ~ operation ~ "' is not an operation; its keys are "
            ~ "insert, update and delete, each with a list of codes (dbt_project.yml).") }}
    {%- endfor -%}
    case
        {%- for operation, operation_codes in codes.items() %}
        when lower(trim({{ value }})) in ({% for code in operation_codes -%}
            '{{ code | lower | trim }}'{{ ", " if not loop.last }}
        {%- endfor %}) then '{{ operation }}'
        {%- endfor %}
    end
{%- endmacro %}
