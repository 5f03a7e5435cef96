{#
    Elementary records every test result through its test materialization. dbt requires the
    project itself to opt in to a package's override of a built-in materialization.
#}
{% materialization test, default %}
    {{ return(elementary.materialization_test_default()) }}
{% endmaterialization %}
