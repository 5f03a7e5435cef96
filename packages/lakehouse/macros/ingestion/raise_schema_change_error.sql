{#
    Fails the bronze model on the changes its mode does not accept: which files, which
    columns, what changed (a missing declared column next to a new one as a probable
    rename), and the ways forward. Nothing of the run is loaded.
#}
{% macro raise_schema_change_error(entity, changes) %}
    {%- set lines = [] -%}
    {%- set renames = lakehouse.probable_renames(changes) -%}
    {%- for source_file, file_changes in changes | groupby('source_file') -%}
        {%- do lines.append("  in " ~ source_file ~ ":") -%}
        {%- for change in file_changes -%}
            {%- do lines.append("    - " ~ lakehouse.describe_schema_change(change)) -%}
        {%- endfor -%}
        {%- for rename in renames | selectattr('source_file', 'equalto', source_file) -%}
            {%- do lines.append("    - " ~ lakehouse.describe_probable_rename(rename)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "Schema change in landing files of source landing." ~ entity.name
        ~ " (schema_evolution: " ~ entity.schema_evolution ~ "); nothing was loaded.\n"
        ~ lines | join("\n") ~ "\n"
        ~ "What to do: if the change is intended, declare it in " ~ entity.definition_file
        ~ " (add the column, or set its data_type to the new type), or set "
        ~ "meta.schema_evolution on landing." ~ entity.name ~ " to permissive (declared "
        ~ "columns only, missing ones null) or auto_fix (new columns added, widening "
        ~ "absorbed); otherwise ask the producer to re-deliver the file. Every detected "
        ~ "change is in " ~ lakehouse.schema_evolution_relation('schema_change_log') ~ ".") }}
{% endmacro %}
