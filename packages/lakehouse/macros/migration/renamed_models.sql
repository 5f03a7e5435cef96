{#
    vars.renamed_models as a list of (old relation name, current model name) pairs, sorted by
    old name; a compile error naming the var when it is not a mapping of names to names.
    Empty (or absent) gives no pairs.
#}
{% macro renamed_models() %}
    {%- set renames = var('renamed_models', {}) or {} -%}
    {%- if renames is not mapping -%}
        {%- do exceptions.raise_compiler_error(
            "vars.renamed_models must map old relation names to current model names, e.g. "
            ~ "{fact_order: fct_order}; got: " ~ renames) -%}
    {%- endif -%}
    {%- set pairs = [] -%}
    {%- for old_name, new_name in renames.items() | sort -%}
        {%- if old_name is not string or new_name is not string
            or old_name | trim == '' or new_name | trim == '' -%}
            {%- do exceptions.raise_compiler_error(
                "vars.renamed_models." ~ old_name ~ ": both the key (the old relation name) "
                ~ "and the value (the current model name) must be non-empty names; got "
                ~ old_name ~ ": " ~ new_name) -%}
        {%- endif -%}
        {%- do pairs.append((old_name | trim, new_name | trim)) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{% endmacro %}
