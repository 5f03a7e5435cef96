{#
    The reasons a record fails its checks, as a comma-separated list ('' when it passes).
    `checks` is a list of (condition, reason) pairs; conditions are SQL over the record.
    `earlier` is an expression holding reasons found before (e.g. the staging checks).
    concat_ws skips nulls on both engines, so only failed checks are listed.
#}
{% macro quarantine_reasons(checks, earlier=none) %}
    concat_ws(
        ',',
        {%- if earlier %}
            nullif({{ earlier }}, ''),
        {%- endif %}
        {%- for condition, reason in checks %}
            case when {{ condition }} then '{{ reason }}' end{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
