"""`lakehouse-bi dashboards deploy`: the Lakeview dashboards, their permissions, refresh
schedules and subscriptions, and the SQL alerts, deployed through databricks-sdk (0.117).

Per dashboard (REST calls in docs/DATABRICKS.md, "Dashboards and alerts"):
find it by path `<folder>/<display name>.lvdash.json` (workspace get-status); update the
draft when found, else create it (creating the folder when the API answers 404 for it:
re-creating is not idempotent, the API has no overwrite); publish with `embed_credentials`
false (the REST default is true: viewers would query as the publisher and bypass the row
filters); replace its permissions (PUT); create, update or delete the refresh schedule named
`lakehouse-bi refresh`; add missing subscriptions. Then each alert: update by name and folder,
else create. Transient errors (429, 503) are retried by the SDK itself for up to
`retry_timeout_seconds`; any other API error stops the deploy naming the dashboard or alert.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors import DatabricksError, NotFound
from databricks.sdk.service import dashboards as lakeview
from databricks.sdk.service import iam

from lakehouse_bi.deploy.alerts import build_alert, deploy_alert
from lakehouse_bi.deploy.dashboard_files import Dashboard, load_dashboards
from lakehouse_bi.deploy.dashboard_specs import DashboardSpecs, load_specs, quartz_cron
from lakehouse_bi.deploy.dashboard_targets import TargetLocation, target_location
from lakehouse_bi.errors import ConfigError, LakehouseBIError

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "lakehouse-bi refresh"
DEFAULT_RETRY_TIMEOUT_SECONDS = 120
PERMISSION_LEVELS = {
    "view": iam.PermissionLevel.CAN_READ,
    "run": iam.PermissionLevel.CAN_RUN,
    "edit": iam.PermissionLevel.CAN_EDIT,
    "manage": iam.PermissionLevel.CAN_MANAGE,
}


class DeployError(LakehouseBIError):
    """The workspace refused a deploy step (after the SDK's own retries of transient errors)."""


def default_parent_path(target: str) -> str:
    """The workspace folder of a target's dashboards and alerts."""
    return f"/Workspace/Shared/lakehouse-bi/{target}"


def workspace_client(retry_timeout_seconds: int = DEFAULT_RETRY_TIMEOUT_SECONDS, **config):
    """A WorkspaceClient from the SDK's unified auth (DATABRICKS_HOST plus a token or OAuth
    M2M client id/secret, or a profile), retrying 429/503 and connection errors for up to
    `retry_timeout_seconds` (the SDK's own policy; the SDK default is 300 s)."""
    return WorkspaceClient(config=Config(retry_timeout_seconds=retry_timeout_seconds, **config))


@dataclass(frozen=True)
class Grant:
    group_name: str
    level: iam.PermissionLevel


@dataclass(frozen=True)
class DashboardPlan:
    """What deploy sends for one dashboard."""

    dashboard: Dashboard
    path: str  # <folder>/<display name>.lvdash.json
    serialized: str
    grants: list[Grant]
    quartz_cron: str | None
    paused: bool
    destination_ids: list[str]
    skipped_subscribers: list[str]  # env vars not set


@dataclass(frozen=True)
class DeployPlan:
    target: TargetLocation
    parent_path: str
    warehouse_id: str | None
    timezone: str
    dashboards: list[DashboardPlan]
    alerts: list  # sql.AlertV2

    def describe(self) -> Iterator[str]:
        """Readable lines of the plan, REST calls included (for --dry-run)."""
        places = ", ".join(f"${{{k}}} -> {v}" for k, v in self.target.placeholders.items())
        warehouse = self.warehouse_id or "<unset: pass --warehouse-id or DATABRICKS_WAREHOUSE_ID>"
        yield f"Target {self.target.target} ({self.target.engine}): {places}"
        yield f"Workspace folder {self.parent_path} (created if missing); warehouse {warehouse}"
        for plan in self.dashboards:
            base = "/api/2.0/lakeview/dashboards"
            yield f'Dashboard "{plan.dashboard.display_name}" from {plan.dashboard.path}'
            yield f"  GET    /api/2.0/workspace/get-status?path={plan.path}"
            yield (
                f"  PATCH  {base}/<id> if found, else POST {base} "
                "(POST /api/2.0/workspace/mkdirs on 404)"
            )
            yield f"  POST   {base}/<id>/published  embed_credentials=false"
            grants = ", ".join(f"{g.level.value} {g.group_name}" for g in plan.grants)
            yield f"  PUT    /api/2.0/permissions/dashboards/<id>  (replace) {grants}"
            yield f"  GET    {base}/<id>/schedules"
            if plan.quartz_cron:
                yield (
                    f'  POST or PUT {base}/<id>/schedules[/<sid>]  "{SCHEDULE_NAME}" '
                    f"{plan.quartz_cron} {self.timezone}{' paused' if plan.paused else ''} "
                    "(nothing when unchanged)"
                )
                for destination in plan.destination_ids:
                    yield (
                        f"  POST   {base}/<id>/schedules/<sid>/subscriptions  "
                        f"destination {destination} (if missing)"
                    )
                for env in plan.skipped_subscribers:
                    yield f"  (subscriber skipped: {env} is not set)"
            else:
                yield (
                    f'  DELETE {base}/<id>/schedules/<sid>  any "{SCHEDULE_NAME}" '
                    "(none in the spec)"
                )
        yield (
            "Alerts: GET /api/2.0/alerts, then per alert PATCH "
            "/api/2.0/alerts/<id>?update_mask=... if found by name and folder, "
            "else POST /api/2.0/alerts"
        )
        for alert in self.alerts:
            evaluation = alert.evaluation
            yield (
                f'  "{alert.display_name}": {evaluation.source.name} '
                f"{evaluation.comparison_operator.value} "
                f"{evaluation.threshold.value.double_value}, "
                f"{alert.schedule.quartz_cron_schedule} {alert.schedule.timezone_id}"
            )


def _groups(project_dir: Path) -> dict[str, str]:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    return (project.get("vars") or {}).get("governance_groups") or {}


def build_plan(
    project_dir: Path,
    target: str,
    parent_path: str,
    warehouse_id: str | None,
    specs: DashboardSpecs | None = None,
) -> DeployPlan:
    """Everything deploy will send for `target`, from the specs and dashboard files.
    Raises ConfigError for invalid specs, unknown roles or a target missing from the profile."""
    specs = specs or load_specs(project_dir)
    location = target_location(project_dir, target)
    if location.engine != "databricks":
        raise ConfigError(
            f"Target {target!r} is a {location.engine or 'unknown'} target.",
            "Deploy to a Databricks target (dev, staging, prod); preview shows the local one.",
        )
    groups = _groups(project_dir)
    placeholders = location.placeholders
    folder = parent_path.rstrip("/")
    plans = []
    for dashboard in load_dashboards(project_dir, specs):
        permission = specs.permissions.dashboards[dashboard.display_name]
        grants = []
        for kind, level in PERMISSION_LEVELS.items():
            for role in getattr(permission, kind):
                if role not in groups:
                    raise ConfigError(
                        f"resources/dashboards/specs/dashboard_permissions.yml: "
                        f"{dashboard.display_name}.{kind}: unknown role {role!r}.",
                        "Use a role of dbt_project.yml vars.governance_groups.",
                    )
                grants.append(Grant(groups[role], level))
        schedule = specs.schedules.schedules.get(dashboard.display_name)
        subscribers = schedule.subscribers if schedule else []
        plans.append(
            DashboardPlan(
                dashboard=dashboard,
                path=f"{folder}/{dashboard.display_name}.lvdash.json",
                serialized=dashboard.serialized(placeholders),
                grants=grants,
                quartz_cron=quartz_cron(schedule.cron) if schedule else None,
                paused=bool(schedule and schedule.paused),
                destination_ids=[
                    os.environ[s.destination_env]
                    for s in subscribers
                    if os.environ.get(s.destination_env)
                ],
                skipped_subscribers=[
                    s.destination_env for s in subscribers if not os.environ.get(s.destination_env)
                ],
            )
        )
    alerts = [
        build_alert(definition, placeholders, warehouse_id or "", specs.schedules.timezone, folder)
        for definition in specs.alerts.alerts.values()
    ]
    return DeployPlan(location, folder, warehouse_id, specs.schedules.timezone, plans, alerts)


@dataclass
class DeployReport:
    """What a deploy did: one line per object."""

    lines: list[str] = field(default_factory=list)


def _api_error(subject: str, step: str, error: Exception) -> DeployError:
    status = getattr(error, "error_code", None) or type(error).__name__
    return DeployError(
        f"{subject}: {step} failed ({status}): {error}",
        "Fix the cause above and deploy again (deploy is idempotent). Transient errors "
        "(429, 503) were already retried by the SDK.",
    )


def _find_dashboard_id(w: WorkspaceClient, path: str) -> str | None:
    try:
        status = w.workspace.get_status(path)
    except NotFound:
        return None
    return status.resource_id


def _create_dashboard(w: WorkspaceClient, plan: DashboardPlan, folder: str, warehouse: str) -> str:
    body = lakeview.Dashboard(
        display_name=plan.dashboard.display_name,
        parent_path=folder,
        serialized_dashboard=plan.serialized,
        warehouse_id=warehouse,
    )
    try:
        created = w.lakeview.create(body)
    except NotFound:
        # The API answers 404 when the parent folder does not exist.
        logger.info("creating workspace folder %s", folder)
        w.workspace.mkdirs(folder)
        created = w.lakeview.create(body)
    return created.dashboard_id or ""


def _schedules(
    w: WorkspaceClient, dashboard_id: str, plan: DashboardPlan, deploy: DeployPlan
) -> str:
    existing = [
        s for s in w.lakeview.list_schedules(dashboard_id) if s.display_name == SCHEDULE_NAME
    ]
    if not plan.quartz_cron:
        for schedule in existing:
            w.lakeview.delete_schedule(dashboard_id, schedule.schedule_id, etag=schedule.etag)
        return f"schedules: {len(existing)} deleted" if existing else "schedules: none"
    pause = (
        lakeview.SchedulePauseStatus.PAUSED
        if plan.paused
        else lakeview.SchedulePauseStatus.UNPAUSED
    )
    desired = lakeview.Schedule(
        cron_schedule=lakeview.CronSchedule(
            quartz_cron_expression=plan.quartz_cron, timezone_id=deploy.timezone
        ),
        display_name=SCHEDULE_NAME,
        pause_status=pause,
        warehouse_id=deploy.warehouse_id,
    )
    if not existing:
        schedule = w.lakeview.create_schedule(dashboard_id, desired)
        outcome = "schedule created"
    else:
        schedule, *extra = existing
        for duplicate in extra:
            w.lakeview.delete_schedule(dashboard_id, duplicate.schedule_id, etag=duplicate.etag)
        same = (
            schedule.cron_schedule.quartz_cron_expression == plan.quartz_cron
            and schedule.cron_schedule.timezone_id == deploy.timezone
            and (schedule.pause_status or lakeview.SchedulePauseStatus.UNPAUSED) == pause
            and schedule.warehouse_id in (None, deploy.warehouse_id)
        )
        if same:
            outcome = "schedule unchanged"
        else:
            desired.etag = schedule.etag
            schedule = w.lakeview.update_schedule(dashboard_id, schedule.schedule_id, desired)
            outcome = "schedule updated"
    if plan.destination_ids:
        subscribed = {
            s.subscriber.destination_subscriber.destination_id
            for s in w.lakeview.list_subscriptions(dashboard_id, schedule.schedule_id)
            if s.subscriber and s.subscriber.destination_subscriber
        }
        missing = [d for d in plan.destination_ids if d not in subscribed]
        for destination in missing:
            w.lakeview.create_subscription(
                dashboard_id,
                schedule.schedule_id,
                lakeview.Subscription(
                    subscriber=lakeview.Subscriber(
                        destination_subscriber=lakeview.SubscriptionSubscriberDestination(
                            destination_id=destination
                        )
                    )
                ),
            )
        outcome += f", {len(missing)} subscription(s) added"
    return outcome


def _deploy_dashboard(w: WorkspaceClient, plan: DashboardPlan, deploy: DeployPlan) -> str:
    name = f'Dashboard "{plan.dashboard.display_name}"'
    step = "lookup"
    try:
        dashboard_id = _find_dashboard_id(w, plan.path)
        if dashboard_id:
            step = "update"
            w.lakeview.update(
                dashboard_id,
                lakeview.Dashboard(
                    display_name=plan.dashboard.display_name,
                    serialized_dashboard=plan.serialized,
                    warehouse_id=deploy.warehouse_id,
                ),
            )
            action = "updated"
        else:
            step = "create"
            dashboard_id = _create_dashboard(w, plan, deploy.parent_path, deploy.warehouse_id or "")
            action = "created"
        step = "publish"
        w.lakeview.publish(dashboard_id, embed_credentials=False, warehouse_id=deploy.warehouse_id)
        step = "set permissions"
        w.permissions.set(
            "dashboards",
            dashboard_id,
            access_control_list=[
                iam.AccessControlRequest(group_name=g.group_name, permission_level=g.level)
                for g in plan.grants
            ],
        )
        step = "schedules"
        schedules = _schedules(w, dashboard_id, plan, deploy)
    except (DatabricksError, TimeoutError) as error:
        raise _api_error(name, step, error) from error
    return f"{name} {action} ({dashboard_id}), published, permissions set, {schedules}"


def deploy(w: WorkspaceClient, plan: DeployPlan) -> DeployReport:
    """Apply `plan` to the workspace of `w`; returns one line per object. Raises DeployError
    naming the dashboard or alert and the step when the workspace refuses a call."""
    if not plan.warehouse_id:
        raise ConfigError(
            "No SQL warehouse for the dashboards and alerts.",
            "Pass --warehouse-id or set DATABRICKS_WAREHOUSE_ID.",
        )
    report = DeployReport()
    for dashboard in plan.dashboards:
        line = _deploy_dashboard(w, dashboard, plan)
        logger.info(line)
        report.lines.append(line)
    try:
        existing = list(w.alerts_v2.list_alerts())
    except (DatabricksError, TimeoutError) as error:
        raise _api_error("Alerts", "list", error) from error
    for alert in plan.alerts:
        try:
            outcome = deploy_alert(w, alert, existing)
        except (DatabricksError, TimeoutError) as error:
            raise _api_error(f'Alert "{alert.display_name}"', "create or update", error) from error
        line = f'Alert "{outcome.display_name}" {outcome.action} ({outcome.alert_id})'
        logger.info(line)
        report.lines.append(line)
    return report
