{#
    A landed integer (docs/LANDING.md, "Literal forms"): optional sign and 1-18 digits, as a
    bigint; null when the value is not that literal (`2nd`, `1.0`, `1,000`, `0x10`), so the
    checked feed can tell a missing value from a bad one.
#}
{% macro landing_integer(value) -%}
    case
        when {{ lakehouse.regex_matches(lakehouse.landing_text(value), '^[+-]?[0-9]{1,18}$') }}
            then cast({{ lakehouse.landing_text(value) }} as bigint)
    end
{%- endmacro %}
