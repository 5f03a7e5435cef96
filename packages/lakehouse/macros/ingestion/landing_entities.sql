{#
    The entity registry: every table of the `landing` source (models/bronze/landing/
    _landing__sources.yml) as a dict, in the order the file lists them. The one list of
    landed entities; everything that works per entity iterates this.
      name          the landing table (folder name under the landing root)
      format        csv | jsonl
      key           the business key (a landed column; the silver key of the same name)
      load          cdc (versions with an `op` column, the latest per key wins) | append
                    (immutable events, the first delivery wins)
      changed_at    the silver column dating a version or an event
      scd2          true: its history is kept by snapshots/snap_<name> (feature flag
                    enable_scd2)
      checks        every quarantine reason its checked feed may give: the load's standard
                    ones (standard_quarantine_checks) plus meta.checks
      recomputes    the gold models whose recompute window its changes move
      columns       the declared landed columns, in file order
      node          the source node
    Sorted by name; empty at parse time (the registry is read when dbt executes). A missing
    or invalid key fails naming the file, the table and the key.
#}
{% macro landing_entities() %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set entities = [] -%}
    {%- set nodes = graph.sources.values()
        | selectattr('source_name', 'equalto', 'landing')
        | sort(attribute='unique_id') -%}
    {%- for node in nodes -%}
        {%- do entities.append(lakehouse.landing_entity_from_node(node)) -%}
    {%- endfor -%}
    {{ return(entities) }}
{% endmacro %}

{% macro landing_entity_from_node(node) %}
    {%- set meta = dict(node.config.meta or {}, **(node.meta or {})) -%}
    {%- set where = node.original_file_path ~ ": source landing." ~ node.name -%}
    {%- set columns = node.columns.keys() | list -%}
    {%- for required in ['format', 'key', 'load', 'changed_at'] if not meta.get(required) -%}
        {{ exceptions.raise_compiler_error(
            where ~ " has no meta." ~ required ~ ". Every landing table declares format, key, "
            ~ "load, changed_at, scd2, checks and recomputes (docs/LANDING.md, \"Adding an "
            ~ "entity\").") }}
    {%- endfor -%}
    {%- if meta.format not in ('csv', 'jsonl') -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": meta.format must be csv or jsonl, got " ~ meta.format ~ ".") }}
    {%- endif -%}
    {%- if meta.load not in ('cdc', 'append') -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": meta.load must be cdc (a change feed with an `op` column) or append "
            ~ "(immutable events), got " ~ meta.load ~ ".") }}
    {%- endif -%}
    {%- if columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            where ~ " lists no columns; bronze reads exactly the declared columns.") }}
    {%- endif -%}
    {%- if meta.key not in columns -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": meta.key " ~ meta.key ~ " is not one of its columns (" ~ columns | join(', ')
            ~ ").") }}
    {%- endif -%}
    {%- if meta.load == 'cdc' and 'op' not in columns -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": a cdc feed needs an `op` column (the CDC operation); declare it, or set "
            ~ "meta.load: append.") }}
    {%- endif -%}
    {%- set scd2 = meta.get('scd2', false) -%}
    {%- if scd2 not in (true, false) -%}
        {{ exceptions.raise_compiler_error(where ~ ": meta.scd2 must be true or false.") }}
    {%- endif -%}
    {%- set lists = {} -%}
    {%- for name in ['checks', 'recomputes'] -%}
        {%- set value = meta.get(name) or [] -%}
        {%- if value is string or value is mapping -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": meta." ~ name ~ " must be a list (or be left out), got " ~ value ~ ".") }}
        {%- endif -%}
        {%- do lists.update({name: value | list}) -%}
    {%- endfor -%}
    {%- set checks = lakehouse.standard_quarantine_checks(meta.load) -%}
    {%- for check in lists.checks if check not in checks -%}
        {%- do checks.append(check) -%}
    {%- endfor -%}
    {{ return({
        'name': node.name,
        'format': meta.format,
        'key': meta.key,
        'load': meta.load,
        'changed_at': meta.changed_at,
        'scd2': scd2,
        'checks': checks,
        'recomputes': lists.recomputes,
        'columns': columns,
        'node': node,
    }) }}
{% endmacro %}

{#
    The quarantine reasons every checked feed of a load may give (docs/LANDING.md, "Data
    quality"): an unreadable record, a missing key, a value that is not its type's literal
    form, a change time too far after ingestion, and for change feeds an unknown operation.
#}
{% macro standard_quarantine_checks(load) %}
    {%- set checks = ['malformed_row', 'null_key', 'bad_type'] -%}
    {%- if load == 'cdc' -%}
        {%- do checks.append('unknown_operation') -%}
    {%- endif -%}
    {%- do checks.append('future_date') -%}
    {{ return(checks) }}
{% endmacro %}

{# The registry entry named `name`; an unknown name fails listing the known ones. #}
{% macro landing_entity_named(name) %}
    {%- set entities = lakehouse.landing_entities() -%}
    {%- for entity in entities if entity.name == name -%}
        {{ return(entity) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "No landing table '" ~ name ~ "' in the entity registry "
        ~ "(models/bronze/landing/_landing__sources.yml); known: "
        ~ entities | map(attribute='name') | join(', ') ~ ".") }}
{% endmacro %}
