{#
    How a file's type for a column relates to the type established for it (declared, or
    the widest seen before). Bronze stores every value as a string, so nothing is lost
    either way; what matters is whether silver's try_cast still reads the values:
    - none: the values fit the established type (same, narrower, or no values at all);
    - 'type_widened': a wider type of the same kind (bigint -> decimal -> double,
      date -> timestamp): silver's try_cast reads it where silver's type is wide enough,
      else the record is quarantined as bad_type -- never silently altered;
    - 'type_changed': anything else (a number becoming text, an object, a boolean, ...).
#}
{% macro landing_type_change(established, observed) %}
    {%- set wider = {
        'bigint': ['decimal', 'double'],
        'decimal': ['double'],
        'date': ['timestamp'],
    } -%}
    {%- if established in (none, 'null', 'string') or observed in ('null', established) -%}
        {{ return(none) }}
    {%- elif established in wider.get(observed, []) -%}
        {{ return(none) }}
    {%- elif observed in wider.get(established, []) -%}
        {{ return('type_widened') }}
    {%- endif -%}
    {{ return('type_changed') }}
{% endmacro %}
