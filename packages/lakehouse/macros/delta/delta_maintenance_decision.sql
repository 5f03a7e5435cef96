{#
    What maintenance one table gets (docs/DATABRICKS.md, "Delta physical design and
    maintenance"). Returns a dict:
      table_type                 managed | external (external when config location_root is set)
      predictive_optimization    vars.predictive_optimization for the target
      clustering                 `(cols)`, `auto`, `zorder (cols)` or none
      optimize                   none (predictive optimization does it) | after_build (the
                                 adapter, clustered tables) | maintenance (run_table_maintenance)
      vacuum_retain_hours        none (predictive optimization vacuums, honouring
                                 delta.deletedFileRetentionDuration) or the layer's hours
      setting                    where vacuum_retain_hours comes from
    Rule: managed + predictive optimization -> nothing; otherwise OPTIMIZE after the build
    when the adapter does it (clustered, skip_optimize off), else in the maintenance run, and
    VACUUM RETAIN the layer's hours (checked >= 168 when it runs: vacuum_table).
#}
{% macro delta_maintenance_decision(node) %}
    {%- set config = node.config -%}
    {%- set external = config.get('location_root') is not none -%}
    {%- set po = lakehouse.predictive_optimization_enabled() -%}
    {%- set liquid = config.get('liquid_clustered_by') -%}
    {%- set clustering = none -%}
    {%- if liquid -%}
        {%- set clustering = '(' ~ ([liquid] if liquid is string else liquid) | join(', ') ~ ')' -%}
    {%- elif config.get('auto_liquid_cluster') -%}
        {%- set clustering = 'auto' -%}
    {%- elif config.get('zorder') -%}
        {%- set z = config.get('zorder') -%}
        {%- set clustering = 'zorder (' ~ ([z] if z is string else z) | join(', ') ~ ')' -%}
    {%- endif -%}
    {%- set policy = lakehouse.retention_policy_for(node) -%}
    {%- set decision = {
        'table_type': 'external' if external else 'managed',
        'predictive_optimization': po,
        'clustering': clustering,
        'optimize': 'none',
        'vacuum_retain_hours': none,
        'setting': policy.setting,
    } -%}
    {%- if not (po and not external) -%}
        {%- set adapter_optimizes = clustering is not none and not config.get('skip_optimize')
            and (var('databricks_skip_optimize', var('DATABRICKS_SKIP_OPTIMIZE', 'false'))
                 | string | lower) != 'true' -%}
        {%- do decision.update({
            'optimize': 'after_build' if adapter_optimizes else 'maintenance',
            'vacuum_retain_hours': policy.vacuum_retain_hours}) -%}
    {%- endif -%}
    {{ return(decision) }}
{% endmacro %}
