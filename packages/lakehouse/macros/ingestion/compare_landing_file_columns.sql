{#
    The changes of one landing file against the columns bronze expects (`expected`, in
    order) and their established type families: a list of
    {column_name, change_kind, old_type, new_type}, change_kind one of column_added,
    column_dropped, type_widened, type_changed. A column that sniffs as text where a
    narrower type is established is only a change if it holds a value: an all-empty CSV
    column sniffs as text too.
#}
{% macro compare_landing_file_columns(entity, file_path, observed, expected, established) %}
    {%- set changes = [] -%}
    {%- set observed_names = observed | map('first') | list -%}
    {%- set to_text = [] -%}
    {%- for column_name, data_type in observed -%}
        {%- set family = lakehouse.landing_type_family(data_type) -%}
        {%- if column_name not in expected -%}
            {%- do changes.append({'column_name': column_name, 'change_kind': 'column_added',
                'old_type': none, 'new_type': family}) -%}
        {%- else -%}
            {%- set kind = lakehouse.landing_type_change(established.get(column_name), family) -%}
            {%- if kind -%}
                {%- do changes.append({'column_name': column_name, 'change_kind': kind,
                    'old_type': established.get(column_name), 'new_type': family}) -%}
                {%- if family == 'string' -%}
                    {%- do to_text.append(column_name) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column_name in expected if column_name not in observed_names -%}
        {%- do changes.append({'column_name': column_name, 'change_kind': 'column_dropped',
            'old_type': established.get(column_name), 'new_type': none}) -%}
    {%- endfor -%}
    {%- if to_text -%}
        {%- set empty = lakehouse.landing_file_empty_columns(entity, file_path, to_text) -%}
        {%- set changes = changes | rejectattr('column_name', 'in', empty) | list -%}
    {%- endif -%}
    {{ return(changes) }}
{% endmacro %}
