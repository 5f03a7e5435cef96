{#
    A join hint that broadcasts a small relation (`alias`) to every task instead of shuffling
    both sides: Databricks ` /*+ BROADCAST(alias) */` (with its leading space: write
    `select{{ broadcast_hint('x') }}`, so other engines get a plain `select`). Nothing on other
    engines (DuckDB plans its own joins).
#}
{% macro broadcast_hint(aliases) %}
    {{ return(adapter.dispatch('broadcast_hint', 'lakehouse')(
        [aliases] if aliases is string else aliases)) }}
{% endmacro %}

{% macro default__broadcast_hint(aliases) %}
    {{ return('') }}
{% endmacro %}

{% macro databricks__broadcast_hint(aliases) %}
    {{ return(' /*+ BROADCAST(' ~ aliases | join(', ') ~ ') */') }}
{% endmacro %}
