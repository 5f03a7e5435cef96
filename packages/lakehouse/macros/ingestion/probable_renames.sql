{#
    Probable renames among one entity's changes: per file, the declared columns it lacks
    together with the undeclared ones it holds (`email` gone, `e_mail` new). Names only,
    never values. A list of {source_file, dropped, added}, dropped and added lists of names.
#}
{% macro probable_renames(changes) %}
    {%- set renames = [] -%}
    {%- for source_file, file_changes in changes | groupby('source_file') -%}
        {%- set dropped = file_changes | selectattr('change_kind', 'equalto', 'column_dropped')
            | map(attribute='column_name') | list -%}
        {%- set added = file_changes | selectattr('change_kind', 'equalto', 'column_added')
            | map(attribute='column_name') | list -%}
        {%- if dropped and added -%}
            {%- do renames.append(
                {'source_file': source_file, 'dropped': dropped, 'added': added}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(renames) }}
{% endmacro %}
