{#
    What migrate_renamed_models does for one rename: a dict with old_name, new_name, the
    relations `old` and `new` (none when absent; `old` is looked up in the model's database
    and schema under the old name), and `action`:
      nothing   the old relation does not exist (never built here, or already migrated);
      rename    the old one is a table and the new one does not exist;
      drop_view the old one is a view (a view has no history to keep);
      conflict  both exist and the old one is a table (a person decides which to keep);
      unsupported the old one is another kind of relation (renamed by hand).
#}
{% macro renamed_relation_plan(old_name, new_name) %}
    {%- set node = lakehouse.renamed_model_node(old_name, new_name) -%}
    {%- set new_identifier = node.alias or node.name -%}
    {%- set old = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=old_name) -%}
    {%- set new = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=new_identifier) -%}
    {%- if old is none -%}
        {%- set action = 'nothing' -%}
    {%- elif old.is_view -%}
        {%- set action = 'drop_view' -%}
    {%- elif not old.is_table -%}
        {%- set action = 'unsupported' -%}
    {%- elif new is not none -%}
        {%- set action = 'conflict' -%}
    {%- else -%}
        {%- set action = 'rename' -%}
    {%- endif -%}
    {{ return({
        'old_name': old_name,
        'new_name': new_name,
        'old': old,
        'new': new,
        'target': old.incorporate(path={'identifier': new_identifier}) if old is not none else none,
        'action': action,
    }) }}
{% endmacro %}
