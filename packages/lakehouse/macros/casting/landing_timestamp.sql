{#
    A landed timestamp as UTC (docs/LANDING.md, "Literal forms"): ISO-8601
    `YYYY-MM-DD[T ]hh:mm:ss[.ffffff]`, optionally followed by `Z` or an offset `+hh:mm`,
    `-hh:mm`, `+hhmm`. A value with an offset is converted to UTC (`2026-01-01T01:30:00+02:00`
    is 2025-12-31 23:30:00); one without is UTC already. Anything else, or a date or time
    that does not exist (hour 24 included, which DuckDB alone would roll over), is null here (`bad_type` in the checked feed). The result is a
    timestamp without zone semantics on DuckDB and a TIMESTAMP on Databricks, where the
    session time zone must be UTC (the SQL warehouse default) for it to read as UTC.
#}
{% macro landing_timestamp(value) -%}
    {%- set text = lakehouse.landing_text(value) -%}
    {%- set zone = '[T ][0-9:.]+([+-])([0-9]{2}):?([0-9]{2})$' -%}
    case
        when {{ lakehouse.regex_matches(text,
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?'
            ~ '(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$') }}
            then {{ dbt.dateadd(
                'minute',
                "case regexp_extract(" ~ text ~ ", '" ~ zone ~ "', 1)"
                ~ " when '+' then -1 when '-' then 1 else 0 end"
                ~ " * (cast(coalesce(nullif(regexp_extract(" ~ text ~ ", '" ~ zone ~ "', 2), ''), '0') as int) * 60"
                ~ " + cast(coalesce(nullif(regexp_extract(" ~ text ~ ", '" ~ zone ~ "', 3), ''), '0') as int))",
                "try_cast(regexp_extract(" ~ text ~ ", '^([0-9-]{10})', 1) || ' ' || regexp_extract("
                ~ text ~ ", '^[0-9-]{10}[T ]([0-9:.]+)', 1) as timestamp)",
            ) }}
    end
{%- endmacro %}
