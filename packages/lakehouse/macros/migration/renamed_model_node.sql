{#
    The model of this project that vars.renamed_models maps `old_name` to: the enabled model
    node named `new_name`. A compile error naming the var key when there is none, or when
    `old_name` is still a model of this project (its table would be renamed from under it).
#}
{% macro renamed_model_node(old_name, new_name) %}
    {%- set models = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('package_name', 'equalto', project_name) | list -%}
    {%- if models | selectattr('name', 'equalto', old_name) | list -%}
        {%- do exceptions.raise_compiler_error(
            "vars.renamed_models." ~ old_name ~ ": '" ~ old_name ~ "' is still a model of "
            ~ "this project; list only names that are no longer models "
            ~ "(dbt_project.yml, vars.renamed_models).") -%}
    {%- endif -%}
    {%- for node in models if node.name == new_name -%}
        {{ return(node) }}
    {%- endfor -%}
    {%- do exceptions.raise_compiler_error(
        "vars.renamed_models." ~ old_name ~ ": '" ~ new_name ~ "' is not a model of this "
        ~ "project (or it is disabled); name the model the old table now belongs to "
        ~ "(dbt_project.yml, vars.renamed_models).") -%}
{% endmacro %}
