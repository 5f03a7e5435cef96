-- Calendar dimension for the star schema, spanning the var-defined reporting window.
{{ dbt_date.get_date_dimension(var('calendar_start_date'), var('calendar_end_date')) }}
