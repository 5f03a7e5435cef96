{#
    A landed date (docs/LANDING.md, "Literal forms"): `YYYY-MM-DD`, a real calendar day.
    `05/19/2024` or `2026-02-30` are null here.
#}
{% macro landing_date(value) -%}
    case
        when {{ lakehouse.regex_matches(lakehouse.landing_text(value), '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then try_cast({{ lakehouse.landing_text(value) }} as date)
    end
{%- endmacro %}
