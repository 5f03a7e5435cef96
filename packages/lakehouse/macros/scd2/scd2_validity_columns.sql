{#
    Validity columns of an SCD2 dimension built on a dbt snapshot (meta columns renamed to
    effective_from / effective_to / is_hard_deleted, plus a `version_number` per business
    key). A version is deleted when the source sent a delete (cdc_operation) or the key
    vanished from the source (the snapshot's hard-delete record).
    join_valid_from / join_valid_to make as-of joins total: the first version also covers
    events before it was first observed, the current one runs to the end of time.
#}
{% macro scd2_validity_columns() %}
    (
        cdc_operation = 'delete' or coalesce(cast(is_hard_deleted as boolean), false)
    ) as is_deleted,
    effective_to is null
    and cdc_operation != 'delete'
    and not coalesce(cast(is_hard_deleted as boolean), false) as is_current,
    effective_from,
    effective_to,
    case
        when version_number = 1 then cast('1900-01-01 00:00:00' as timestamp)
        else effective_from
    end as join_valid_from,
    coalesce(effective_to, cast('9999-12-31 00:00:00' as timestamp)) as join_valid_to
{%- endmacro %}
