{#
    Every non-null value of the column is a valid e-mail address by the landing contract's
    one definition (packages/lakehouse/macros/casting/landing_email.sql: internationalised domains valid,
    whitespace not). Returns one row per invalid value, without the value (it is PII and
    Elementary keeps failing-row samples).
#}
{% test valid_landing_email(model, column_name) %}
    select 1 as is_invalid_email
    from {{ model }}
    where {{ column_name }} is not null
        and not {{ lakehouse.landing_email_is_valid(column_name) }}
{% endtest %}
