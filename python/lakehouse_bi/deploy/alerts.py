"""SQL alerts of resources/dashboards/specs/alert_definitions.yml on the current alerts API
(alerts v2, `/api/2.0/alerts`; the older `/api/2.0/sql/alerts` needs saved queries and the
legacy one is deprecated: databricks-sdk 0.117 `AlertsV2API`).

An alert is found by display name in its workspace folder and updated (PATCH with an
update mask), else created: deploying twice leaves one alert.
"""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import sql

from lakehouse_bi.deploy.dashboard_files import substitute
from lakehouse_bi.deploy.dashboard_specs import METRICS, AlertDefinition, quartz_cron

# Fields deploy owns on update (parent_path is create-only).
UPDATE_MASK = "display_name,query_text,warehouse_id,evaluation,schedule,custom_summary"

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


def build_alert(
    definition: AlertDefinition,
    placeholders: dict[str, str],
    warehouse_id: str,
    timezone: str,
    parent_path: str | None,
) -> sql.AlertV2:
    """The AlertV2 body of a definition (query resolved for the target)."""
    subscriptions = [sql.AlertV2Subscription(user_email=email) for email in definition.recipients]
    return sql.AlertV2(
        display_name=definition.display_name,
        query_text=substitute(alert_query(definition), placeholders, definition.display_name),
        warehouse_id=warehouse_id,
        parent_path=parent_path,
        custom_summary=(
            f"{definition.metric} changed by {{{{ALERT_RESULT_VALUE}}}} vs the previous day "
            f"(threshold {definition.condition})"
        ),
        evaluation=sql.AlertV2Evaluation(
            source=sql.AlertV2OperandColumn(name=f"{definition.metric}_change"),
            comparison_operator=sql.ComparisonOperator(definition.operator),
            threshold=sql.AlertV2Operand(
                value=sql.AlertV2OperandValue(double_value=definition.threshold)
            ),
            empty_result_state=sql.AlertEvaluationState.UNKNOWN,
            notification=sql.AlertV2Notification(notify_on_ok=True, subscriptions=subscriptions),
        ),
        schedule=sql.CronSchedule(
            quartz_cron_schedule=quartz_cron(definition.schedule),
            timezone_id=timezone,
            pause_status=sql.SchedulePauseStatus.UNPAUSED,
        ),
    )


def _folder(path: str | None) -> str:
    """Workspace folder without the `/Workspace` prefix the backend strips in responses."""
    path = (path or "").rstrip("/")
    return path.removeprefix("/Workspace") or "/"


@dataclass(frozen=True)
class AlertOutcome:
    display_name: str
    alert_id: str
    action: str  # created | updated


def deploy_alert(
    w: WorkspaceClient, alert: sql.AlertV2, existing: list[sql.AlertV2]
) -> AlertOutcome:
    """Update the alert of the same display name and folder in `existing`, else create it."""
    match = next(
        (
            a
            for a in existing
            if a.display_name == alert.display_name
            and _folder(a.parent_path) == _folder(alert.parent_path)
            and a.lifecycle_state != sql.AlertLifecycleState.DELETED
        ),
        None,
    )
    if match and match.id:
        update = sql.AlertV2.from_dict({**alert.as_dict(), "parent_path": None})
        w.alerts_v2.update_alert(match.id, update, update_mask=UPDATE_MASK)
        return AlertOutcome(alert.display_name, match.id, "updated")
    created = w.alerts_v2.create_alert(alert)
    return AlertOutcome(alert.display_name, created.id or "", "created")
