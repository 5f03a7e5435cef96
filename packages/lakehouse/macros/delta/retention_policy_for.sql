{#
    The retention policy of one node (model, snapshot or seed of this project): a dict with
    layer, retention_days (none when the table keeps its rows), column (the date or timestamp
    compared with the cut-off), vacuum_retain_hours and setting (where it comes from, for
    messages). The layer's days and VACUUM retention come from vars.retention_policy
    (dbt_project.yml); the column from the node's `meta.retention_column` (set per folder in
    dbt_project.yml or in the model's YAML); a node with `meta.retention_exempt` keeps its rows.
    Snapshots follow the silver layer (their schema) and keep their rows; tables outside a
    layer of the policy (seeds) get Delta's default VACUUM retention, 168 hours.
#}
{% macro retention_policy_for(node) %}
    {%- set policy = var('retention_policy', {}) -%}
    {%- set layer = node.fqn[1] if node.resource_type == 'model' and node.fqn | length > 2
        else ('silver' if node.resource_type == 'snapshot' else none) -%}
    {%- set result = {'layer': layer, 'retention_days': none, 'column': none,
        'vacuum_retain_hours': 168, 'setting': 'Delta default (no vars.retention_policy layer)'} -%}
    {%- if layer in policy -%}
        {%- set layer_policy = policy[layer] -%}
        {%- set setting = 'vars.retention_policy.' ~ layer -%}
        {%- do result.update({
            'vacuum_retain_hours': layer_policy.get('vacuum_retain_hours', 168),
            'setting': setting ~ '.vacuum_retain_hours'}) -%}
        {%- set meta = node.config.get('meta') or {} -%}
        {%- if node.resource_type == 'model' and meta.get('retention_column')
            and not meta.get('retention_exempt') -%}
            {%- do result.update({
                'retention_days': layer_policy.get('retention_days'),
                'column': meta.get('retention_column'),
                'days_setting': setting ~ '.retention_days'}) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(result) }}
{% endmacro %}
