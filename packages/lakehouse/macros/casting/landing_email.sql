{#
    True when a landed e-mail address is valid by the landing contract (docs/LANDING.md,
    "Literal forms"): a local part, one `@`, a domain holding a dot, none of them empty and
    no whitespace anywhere (ASCII or Unicode spaces, tabs, line breaks). Letters of any
    script are valid, so internationalised addresses (`soren@почта.рф`) pass. Null for null.
    The pattern is RE2 and Java regex alike; regex_matches escapes it per engine.
#}
{% macro landing_email_is_valid(value) -%}
    {%- set atom -%}
        [^@\s\x0B\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]+
    {%- endset -%}
    {{ lakehouse.regex_matches(value, '^' ~ atom ~ '@' ~ atom ~ '[.]' ~ atom ~ '$') }}
{%- endmacro %}
