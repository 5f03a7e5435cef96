{#
    The quarantine verdict of one landed record, the one place a checked feed judges it: a
    record the reader could not parse (`_corrupt_record` set) is `malformed_row` and nothing
    else (its fields are null); otherwise the comma-separated reasons of the failed `checks`
    ((condition, reason) pairs, see quarantine_reasons), '' when it passes.
#}
{% macro record_quarantine_reasons(checks, relation) -%}
    case
        when {{ relation }}._corrupt_record is not null then 'malformed_row'
        else {{ quarantine_reasons(checks) }}
    end
{%- endmacro %}
