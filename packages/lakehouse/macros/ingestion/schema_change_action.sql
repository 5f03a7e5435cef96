{#
    What each mode does with each kind of change (docs/ARCHITECTURE.md, Schema evolution):
    strict stops on anything; permissive keeps the declared columns and loads the rest as
    strings; auto_fix grows bronze and absorbs widening, and stops on what it cannot
    absorb safely (a type that is not a widening).
#}
{% macro schema_change_action(mode, change_kind) %}
    {%- set actions = {
        'strict': {},
        'permissive': {
            'column_added': 'ignored',
            'column_dropped': 'null_filled',
            'type_widened': 'loaded_as_string',
            'type_changed': 'loaded_as_string',
        },
        'auto_fix': {
            'column_added': 'added_to_bronze',
            'column_dropped': 'null_filled',
            'type_widened': 'absorbed_by_safe_cast',
        },
    } -%}
    {{ return(actions[mode].get(change_kind, 'run_failed')) }}
{% endmacro %}
