{#
    Orders of a key's delivered versions. latest_version_first: by change time (the column
    `changed_at`, default updated_at), ties broken by delivery (batch, then file, then line
    within the file), so the later delivery of two versions with one change time wins
    everywhere (facts, current tables, conservation). first_delivery_first: delivery order
    alone, for append-only events.
#}
{% macro latest_version_first(changed_at='updated_at') -%}
    {{ changed_at }} desc, _batch_id desc, _source_file desc, _source_line desc
{%- endmacro %}

{% macro first_delivery_first() -%}
    _batch_id, _source_file, _source_line
{%- endmacro %}
