{#
    Who runs dbt, as the environment declares it, and which variable said so: an explicit
    DBT_AUDIT_ACTOR wins (set it in jobs and CI), then (Databricks only) the service
    principal's OAuth client id, then the operating-system user.
#}
{% macro audit_actor() %}
    {%- for variable in adapter.dispatch('audit_actor_variables', 'lakehouse')() -%}
        {%- set value = env_var(variable, '') | trim -%}
        {%- if value -%}
            {{ return({'actor': value, 'actor_source': variable}) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'actor': none, 'actor_source': none}) }}
{% endmacro %}

{% macro default__audit_actor_variables() %}
    {{ return(['DBT_AUDIT_ACTOR', 'USER', 'USERNAME']) }}
{% endmacro %}

{% macro databricks__audit_actor_variables() %}
    {{ return(['DBT_AUDIT_ACTOR', 'DATABRICKS_CLIENT_ID', 'USER', 'USERNAME']) }}
{% endmacro %}
