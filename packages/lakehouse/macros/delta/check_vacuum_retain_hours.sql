{#
    The VACUUM retention of a table as a whole number of hours, or a compile error naming the
    table and `setting` (where the value came from) when it is not a whole number or below
    168 -- Delta's safety threshold (7 days), under which files still read by running queries
    or needed for time travel and RESTORE would be deleted.
#}
{% macro check_vacuum_retain_hours(relation, retain_hours, setting) %}
    {%- set hours = retain_hours | int(-1) -%}
    {%- if hours < 168 or (retain_hours | string | trim) != (hours | string) -%}
        {{ exceptions.raise_compiler_error(
            "VACUUM of " ~ relation ~ " refused: RETAIN " ~ retain_hours ~ " HOURS (from "
            ~ setting ~ ") is below Delta's safety threshold of 168 hours (7 days) or not a "
            ~ "whole number of hours; files still read by running queries or needed for time "
            ~ "travel would be deleted. Set " ~ setting ~ " to a whole number >= 168.") }}
    {%- endif -%}
    {{ return(hours) }}
{% endmacro %}
