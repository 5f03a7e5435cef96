"""SQL alerts of resources/dashboards/specs/alert_definitions.yml as bundle `alerts` resources
(alerts v2: `/api/2.0/alerts`, what databricks-bundles' `alerts.Alert` deploys; the older
`/api/2.0/sql/alerts` needs saved queries and the legacy one is deprecated).

The bundle keeps their state: a renamed or removed alert is deleted on the next deploy,
`bundle destroy` removes them, and development mode prefixes their names. The CLI does not
pause alert schedules in development mode (its presets pause jobs only), so `alert_resource`
pauses them itself there: a personal dev deploy mails nobody.
"""

from __future__ import annotations

from databricks.bundles.alerts import Alert

from lakehouse_bi.deploy.dashboard_files import substitute
from lakehouse_bi.deploy.dashboard_specs import METRICS, AlertDefinition, quartz_cron

_DAY = "cast(current_date - interval {n} day as date)"


def alert_query(definition: AlertDefinition) -> str:
    """The alert's SQL with `${gold}` unresolved: one row holding the metric of the last
    complete day (yesterday; today is still filling up), of the day before, and the change
    between them as a rate (`<metric>_change`, -0.25 = 25 % lower; null without a previous
    day). A day without sales counts as 0. Runs on Databricks and DuckDB alike."""
    metric = definition.metric
    column = METRICS[metric]
    yesterday, day_before = _DAY.format(n=1), _DAY.format(n=2)
    return f"""with daily as (

    select
        metric_date,
        sum({column}) as {metric}
    from ${{gold}}.sales_dashboard_metrics
    where metric_date between {day_before} and {yesterday}
    group by metric_date

),

days as (

    select
        coalesce(max(case when metric_date = {yesterday} then {metric} end), 0) as {metric},
        max(case when metric_date = {day_before} then {metric} end) as previous_{metric}
    from daily

)

select
    {metric},
    previous_{metric},
    cast({metric} - previous_{metric} as double)
    / nullif(cast(previous_{metric} as double), 0) as {metric}_change
from days
"""


def alert_resource(
    definition: AlertDefinition,
    placeholders: dict[str, str],
    warehouse_id: str,
    timezone: str,
    paused: bool,
) -> Alert:
    """The bundle alert of a definition: its query with `${gold}` resolved by `placeholders`
    (bundle references such as `${var.catalog}.gold` on deploy), evaluated on the change
    column, mailing the definition's recipients; its schedule PAUSED when `paused`."""
    where = f"alert {definition.display_name!r}"
    return Alert.from_dict(
        {
            "display_name": definition.display_name,
            "query_text": substitute(alert_query(definition), placeholders, where),
            "warehouse_id": warehouse_id,
            "custom_summary": (
                f"{definition.metric} changed by {{{{ALERT_RESULT_VALUE}}}} vs the previous "
                f"day (threshold {definition.condition})"
            ),
            "evaluation": {
                "source": {"name": f"{definition.metric}_change"},
                "comparison_operator": definition.operator,
                "threshold": {"value": {"double_value": definition.threshold}},
                "empty_result_state": "UNKNOWN",
                "notification": {
                    "notify_on_ok": True,
                    "subscriptions": [{"user_email": email} for email in definition.recipients],
                },
            },
            "schedule": {
                "quartz_cron_schedule": quartz_cron(definition.schedule),
                "timezone_id": timezone,
                "pause_status": "PAUSED" if paused else "UNPAUSED",
            },
        }
    )
