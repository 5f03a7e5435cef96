{#
    With config `merge_key_range_pruning: true` and one unique key: `dbt_internal_dest.<key>
    between <min> and <max>` of the batch (`source`), as a one-item list; else an empty list.
    Always correct -- a matching target row has a key the batch holds -- and on a table
    clustered by the key (or by a column the key grows with) Delta skips every file whose
    key range lies outside the batch's. An empty batch gives no predicate.
#}
{% macro merge_key_range_predicates(source, keys) %}
    {%- if not config.get('merge_key_range_pruning', false) or keys | length != 1 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set key = adapter.quote(keys[0]) -%}
    {%- set bounds = run_query(
        'select min(' ~ key ~ ') as min_merge_key, max(' ~ key ~ ') as max_merge_key from '
        ~ source) -%}
    {%- if not bounds.rows | length or bounds.rows[0][0] is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for value in bounds.rows[0] -%}
        {%- do literals.append(value | string if value is number else lakehouse.sql_string_literal(value)) -%}
    {%- endfor -%}
    {{ return(['dbt_internal_dest.' ~ key ~ ' between ' ~ literals[0] ~ ' and ' ~ literals[1]]) }}
{% endmacro %}
