{#
    A landed boolean (docs/LANDING.md, "Literal forms"): `true` or `false`, any case. Other
    spellings the engines would cast (`t`, `yes`, `1`, `N/A` on some) are null here.
#}
{% macro landing_boolean(value) -%}
    case lower({{ lakehouse.landing_text(value) }})
        when 'true' then true
        when 'false' then false
    end
{%- endmacro %}
