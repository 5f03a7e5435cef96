{#
    The recompute window of a gold model: the order dates touched by any change that arrived
    after the model's watermark (max `_ingested_at` of its rows) in the change feeds that move
    it. Renders `<column> in (...)` (column: the argument, else config
    recompute_window_column), `false` when nothing changed and `true` outside incremental
    runs.
    The model passes its change feeds (`changed_by`, ref()s of checked feeds: its lineage);
    they must be exactly the checked feeds of the registry entities whose meta.recomputes names
    the model, else compilation fails naming the entity (a feed left out would never
    recompute its days). The replace_window strategy calls it without `changed_by` and takes
    the same feeds from the registry, so the model's select and the strategy agree; both run
    before the target changes.
    Changes are keyed by order_id (every feed that moves the sales window carries it); a key's
    dates are the order_date of all its versions in the feed of the entity keyed by order_id,
    so an order whose date moved recomputes the old day too.
#}
{% macro recompute_window_predicate(column=none, changed_by=none) %}
    {%- if not (execute and is_incremental()) -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set column = column or config.require('recompute_window_column') -%}
    {%- set feeds = recompute_window_feeds(changed_by) -%}
    {%- set dates = affected_order_dates(this, feeds) -%}
    {%- if dates | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in dates -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(column ~ ' in (' ~ literals | join(', ') ~ ')') }}
{% endmacro %}

{#
    The change feeds that move the current model's window, as {'key': <entity key>, 'relation':
    <relation>} dicts: the checked feeds (int_<entity>__checked) of the registry entities whose
    meta.recomputes names the model. With `changed_by` (the relations the model passes), the
    two must name the same feeds.
#}
{% macro recompute_window_feeds(changed_by=none) %}
    {%- set feeds = [] -%}
    {%- for entity in lakehouse.landing_entities() if model.name in entity.recomputes -%}
        {%- set feed_name = 'int_' ~ entity.name ~ '__checked' -%}
        {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
            | selectattr('name', 'equalto', feed_name) | list -%}
        {%- if nodes | length != 1 -%}
            {{ exceptions.raise_compiler_error(
                "landing." ~ entity.name ~ " recomputes " ~ model.name ~ " (meta.recomputes) but "
                ~ "the project has no checked feed " ~ feed_name ~ " (docs/LANDING.md, \"Adding "
                ~ "an entity\").") }}
        {%- endif -%}
        {%- do feeds.append({'entity': entity.name, 'key': entity.key, 'name': feed_name,
            'relation': api.Relation.create(database=nodes[0].database,
                schema=nodes[0].schema, identifier=nodes[0].alias)}) -%}
    {%- endfor -%}
    {%- if changed_by is not none -%}
        {%- set passed = changed_by | map(attribute='identifier') | list -%}
        {%- set declared = feeds | map(attribute='name') | list -%}
        {%- for feed in feeds if feed.name not in passed -%}
            {{ exceptions.raise_compiler_error(
                model.original_file_path ~ ": landing." ~ feed.entity ~ " recomputes "
                ~ model.name ~ " (meta.recomputes in the registry), but the model does not pass "
                ~ "its change feed: add ref('" ~ feed.name ~ "') to "
                ~ "recompute_window_predicate(changed_by=[...]). Without it a late "
                ~ feed.entity ~ " record would never recompute its day.") }}
        {%- endfor -%}
        {%- for name in passed if name not in declared -%}
            {{ exceptions.raise_compiler_error(
                model.original_file_path ~ ": recompute_window_predicate(changed_by=[...]) gets "
                ~ name ~ ", but no registry entity names " ~ model.name ~ " in its "
                ~ "meta.recomputes: add " ~ model.name ~ " there (models/bronze/landing/"
                ~ "_landing__sources.yml) or drop the feed.") }}
        {%- endfor -%}
    {%- endif -%}
    {%- if feeds | selectattr('key', 'equalto', 'order_id') | list | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            model.original_file_path ~ ": its recompute window is dated by the orders change "
            ~ "feed (the entity keyed by order_id), which must be among the feeds that "
            ~ "recompute it (meta.recomputes).") }}
    {%- endif -%}
    {{ return(feeds) }}
{% endmacro %}

{% macro affected_order_dates(target, feeds) %}
    {%- set dated = (feeds | selectattr('key', 'equalto', 'order_id') | first).relation -%}
    {%- set query -%}
        with watermark as (
            select
                coalesce(
                    max(_ingested_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
                ) as ingested_at
            from {{ target }}
        ),

        changed_orders as (
            {%- for feed in feeds %}
            select order_id
            from {{ feed.relation }}
            where _ingested_at > (select watermark.ingested_at from watermark)
            {%- if not loop.last %}
            union
            {%- endif %}
            {%- endfor %}
        )

        -- Every version's date: an order whose date moved recomputes the old day too.
        select distinct cast(versions.order_date as {{ dbt.type_string() }}) as order_day
        from {{ dated }} as versions
        inner join changed_orders on versions.order_id = changed_orders.order_id
        where versions.order_date is not null
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}
