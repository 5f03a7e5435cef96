{#
    A landed decimal (docs/LANDING.md, "Literal forms"): optional sign, at most
    precision - scale integer digits, optionally a point and 1 to `scale` decimals. No
    grouping (`1,296.99`, `1_199.99`), no decimal comma (`348,99`), no exponent, no hex:
    those are null here, `bad_type` in the checked feed. Rounding never happens: a value
    with more decimals than the column holds is not a literal of it.
#}
{% macro landing_decimal(value, precision=18, scale=2) -%}
    {%- set pattern = '^[+-]?[0-9]{1,' ~ (precision - scale) ~ '}([.][0-9]{1,' ~ scale ~ '})?$' -%}
    case
        when {{ lakehouse.regex_matches(lakehouse.landing_text(value), pattern) }}
            then cast({{ lakehouse.landing_text(value) }} as decimal({{ precision }}, {{ scale }}))
    end
{%- endmacro %}
