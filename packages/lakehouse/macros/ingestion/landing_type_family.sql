{#
    Type families of landing columns, so both engines' sniffed types compare alike
    (DuckDB BIGINT / Databricks bigint -> 'bigint', DECIMAL(18,2) -> 'decimal', ...).
    'null' is a column with no value in the file: it tells nothing about the type.
#}
{% macro landing_type_family(data_type) %}
    {%- set text = (data_type or 'null') | string | trim | replace('"', '') | lower -%}
    {%- set base = text.split('(')[0].split('<')[0] | trim -%}
    {%- if text.endswith('[]') or base in ('array', 'list') -%}
        {{ return('array') }}
    {%- endif -%}
    {%- set families = {
        'null': ['null', 'void'],
        'boolean': ['boolean', 'bool'],
        'bigint': ['tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'byte',
                   'short', 'long', 'utinyint', 'usmallint', 'uinteger', 'ubigint'],
        'decimal': ['decimal', 'numeric'],
        'double': ['float', 'real', 'double'],
        'date': ['date'],
        'timestamp': ['timestamp', 'timestamp_ntz', 'timestamptz', 'datetime',
                      'timestamp with time zone', 'timestamp_s', 'timestamp_ms', 'timestamp_ns'],
        'struct': ['struct', 'row'],
        'map': ['map'],
    } -%}
    {%- for family, names in families.items() if base in names -%}
        {{ return(family) }}
    {%- endfor -%}
    {{ return('string') }}
{% endmacro %}
