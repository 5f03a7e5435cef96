{#
    The quarantine verdict of one landed record, the one place a checked feed judges it: a
    record the reader could not parse (`_corrupt_record` set) is `malformed_row` and nothing
    else (its fields are null); otherwise the comma-separated reasons of the failed `checks`
    ((condition, reason) pairs, see quarantine_reasons), '' when it passes. Every reason must
    be one its entity declares in the registry (landing_entities(): the load's standard checks
    and meta.checks), so the DQ metrics report it: an undeclared one fails at compile time.
#}
{% macro record_quarantine_reasons(checks, relation) -%}
    {%- if execute -%}
        {%- set entity = lakehouse.landing_entity_upstream(model) -%}
        {%- set undeclared = [] -%}
        {%- for condition, reason in checks if entity and reason not in entity.checks -%}
            {%- do undeclared.append(reason) -%}
        {%- endfor -%}
        {%- if undeclared -%}
            {{ exceptions.raise_compiler_error(
                model.original_file_path ~ ": quarantine reason(s) " ~ undeclared | unique
                | join(', ') ~ " are not declared for landing." ~ entity.name ~ ". Add them to its "
                ~ "meta.checks in " ~ entity.node.original_file_path ~ " (the DQ metrics report "
                ~ "one row per declared check).") }}
        {%- endif -%}
    {%- endif -%}
    case
        when {{ relation }}._corrupt_record is not null then 'malformed_row'
        else {{ lakehouse.quarantine_reasons(checks) }}
    end
{%- endmacro %}
