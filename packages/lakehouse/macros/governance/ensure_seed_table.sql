{#
    Policy functions read the governance seeds, and both engines bind a function body to its
    tables when the function is created. On a fresh catalog the seeds are not loaded yet
    when on-run-start runs, so the seed's table is created empty first, with the seed's
    column_types: an empty mapping grants nothing until `dbt seed` fills it.
#}
{% macro governance_ensure_seed_table(seed_name) %}
    {%- set seeds = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'seed')
        | selectattr('package_name', 'equalto', project_name)
        | selectattr('name', 'equalto', seed_name)
        | list -%}
    {%- if not seeds -%}
        {{ exceptions.raise_compiler_error(
            "Governance needs the seed '" ~ seed_name ~ "' (seeds/" ~ seed_name ~ ".csv), "
            ~ "enabled for target " ~ target.name ~ "."
        ) }}
    {%- endif -%}
    {%- set seed = seeds[0] -%}
    {%- set where = lakehouse.governance_policy_location(seed) ~ '.config.column_types' -%}
    {%- set column_types = seed.config.get('column_types') or {} -%}
    {%- if not column_types -%}
        {{ exceptions.raise_compiler_error(where ~ ': the governance seed needs column_types') }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column, data_type in column_types.items() -%}
        {%- do columns.append(
            adapter.quote(lakehouse.governance_plain_identifier(column, where))
            ~ ' ' ~ lakehouse.governance_plain_identifier(data_type, where ~ '.' ~ column)
        ) -%}
    {%- endfor -%}
    {%- set relation = api.Relation.create(
        database=seed.database, schema=seed.schema, identifier=seed.alias, type='table'
    ) -%}
    {%- do adapter.create_schema(relation) -%}
    {%- call statement('governance_ensure_' ~ seed_name) -%}
        create table if not exists {{ relation.render() }} ({{ columns | join(', ') }})
    {%- endcall -%}
    {#- The relation cache was filled before this hook: tell it, or the seed would CREATE. -#}
    {%- do adapter.cache_added(relation) -%}
    {{ return(relation) }}
{% endmacro %}
