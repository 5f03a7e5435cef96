"""The dashboards, their refresh jobs and the SQL alerts as bundle resources, typed by
databricks-bundles (`dashboards.Dashboard`, `jobs.Job`, `alerts.Alert`), from the specs in
resources/dashboards/specs/ and the files resources/dashboards/*.lvdash.json.

Per dashboard of dashboard_permissions.yml (key: its file name, `sales_overview`):

- a `dashboards` resource: `file_path` to its .lvdash.json, deployed as it is (the bundle
  publishes it); `warehouse_id` the jobs' warehouse; `embed_credentials: false` (viewers query
  as themselves, so Unity Catalog row filters apply); `dataset_catalog` / `dataset_schema` the
  target's catalog and the layer schema its datasets read (`gold`; `dev_<you>_gold` in dev:
  dbt's generate_schema_name); `permissions` from the roles of dashboard_permissions.yml;
- with a refresh schedule (refresh_schedules.yml): a job `lakehouse_bi_refresh_<key>` with one
  `dashboard_task` on `${resources.dashboards.<key>.id}`, the schedule as Quartz (paused in
  dev mode by the CLI, since it sets no pause_status), and a subscription to the notification
  destinations whose bundle variables are set.

Per alert of alert_definitions.yml (key: its key there): an `alerts` resource (alerts.py),
its table named `<catalog>.<layer schema>` through bundle references, paused in development
mode. The CLI prefixes dashboards, alerts and jobs with "[dev <you>] " in development mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from databricks.bundles.core import Location, Resources
from databricks.bundles.dashboards import Dashboard
from databricks.bundles.jobs import Job

from lakehouse_bi.deploy.alerts import alert_resource
from lakehouse_bi.deploy.dashboard_files import DASHBOARDS_DIR, load_dashboards
from lakehouse_bi.deploy.dashboard_specs import PERMISSIONS_FILE, DashboardSpecs, quartz_cron
from lakehouse_bi.deploy.dashboard_targets import LAYERS
from lakehouse_bi.errors import ConfigError

REFRESH_JOB_PREFIX = "lakehouse_bi_refresh_"
PERMISSION_LEVELS = {
    "view": "CAN_READ",
    "run": "CAN_RUN",
    "edit": "CAN_EDIT",
    "manage": "CAN_MANAGE",
}
# The refresh job: a dashboard refresh takes minutes; one retry for a transient failure.
REFRESH_TIMEOUT_SECONDS = 1800
REFRESH_TASK_TIMEOUT_SECONDS = 1200
REFRESH_WARNING_SECONDS = 900


def dashboard_key(path: Path) -> str:
    """The bundle resource key of a dashboard file: `sales_overview.lvdash.json` ->
    `sales_overview`."""
    return path.name.removesuffix(".lvdash.json")


def layer_schema(target: str, layer: str) -> str:
    """The target's schema of a layer as a bundle reference: `gold`, or in dev
    `${var.schema}_gold` (macros/generate_schema_name.sql prefixes dev's layer schemas)."""
    return f"${{var.schema}}_{layer}" if target == "dev" else layer


def _groups(project_dir: Path) -> dict[str, str]:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    return (project.get("vars") or {}).get("governance_groups") or {}


def _permissions(specs: DashboardSpecs, display_name: str, groups: dict[str, str]) -> list[dict]:
    permission = specs.permissions.dashboards[display_name]
    entries = []
    for kind, level in PERMISSION_LEVELS.items():
        for role in getattr(permission, kind):
            if role not in groups:
                raise ConfigError(
                    f"{PERMISSIONS_FILE}: {display_name}.{kind}: unknown role {role!r}.",
                    "Use a role of dbt_project.yml vars.governance_groups.",
                )
            entries.append({"group_name": groups[role], "level": level})
    return entries


def refresh_job(
    key: str,
    display_name: str,
    quartz: str,
    timezone: str,
    paused: bool,
    warehouse_id: str,
    destinations: list[str],
    emails: list[str],
    webhook: bool,
) -> Job:
    """The job refreshing dashboard `key` on its schedule (a `dashboard_task`), sending the
    snapshot to `destinations` (notification destination ids or references)."""
    dashboard_task: dict[str, Any] = {
        "dashboard_id": f"${{resources.dashboards.{key}.id}}",
        "warehouse_id": warehouse_id,
    }
    if destinations:
        dashboard_task["subscription"] = {
            "subscribers": [{"destination_id": destination} for destination in destinations],
            "paused": False,
        }
    schedule: dict[str, Any] = {"quartz_cron_expression": quartz, "timezone_id": timezone}
    if paused:
        schedule["pause_status"] = "PAUSED"
    spec: dict[str, Any] = {
        "name": f"lakehouse-bi refresh {display_name} (${{bundle.target}})",
        "description": f"Refreshes the {display_name} dashboard (dashboard_task) on its schedule.",
        "tags": {"project": "lakehouse_bi"},
        "max_concurrent_runs": 1,
        "timeout_seconds": REFRESH_TIMEOUT_SECONDS,
        "health": {
            "rules": [
                {
                    "metric": "RUN_DURATION_SECONDS",
                    "op": "GREATER_THAN",
                    "value": REFRESH_WARNING_SECONDS,
                }
            ]
        },
        "schedule": schedule,
        "email_notifications": {"on_failure": emails},
        "notification_settings": {
            "no_alert_for_skipped_runs": True,
            "no_alert_for_canceled_runs": True,
        },
        "tasks": [
            {
                "task_key": "refresh",
                "max_retries": 1,
                "min_retry_interval_millis": 60000,
                "retry_on_timeout": False,
                "timeout_seconds": REFRESH_TASK_TIMEOUT_SECONDS,
                "dashboard_task": dashboard_task,
            }
        ],
    }
    if webhook:
        spec["webhook_notifications"] = {"on_failure": [{"id": "${var.webhook_destination_id}"}]}
    return Job.from_dict(spec)


def add_dashboard_resources(
    resources: Resources,
    project_dir: Path,
    *,
    target: str,
    development: bool,
    warehouse_id: str,
    specs: DashboardSpecs,
    variables: dict[str, Any],
    emails: list[str],
) -> None:
    """Add the dashboards, refresh jobs and alerts of `target` to `resources` (module
    docstring). `variables`: the bundle variables as the CLI resolved them (None: unknown).
    Raises ConfigError for an unknown role, a dashboard reading several layers, or a
    subscriber variable databricks.yml does not declare."""
    groups = _groups(project_dir)
    # Relative paths of a resource resolve against its location: the bundle root.
    location = Location(file=str(project_dir / "databricks.yml"), line=1)
    for dashboard in load_dashboards(project_dir, specs):
        key = dashboard_key(dashboard.path)
        if dashboard.layer not in LAYERS:
            raise ConfigError(
                f"{dashboard.path}: its datasets must all read one layer schema "
                f"({', '.join(LAYERS)}): the bundle's dataset_schema is one per dashboard."
            )
        resource = Dashboard.from_dict(
            {
                "display_name": dashboard.display_name,
                "file_path": str(DASHBOARDS_DIR / dashboard.path.name),
                "warehouse_id": warehouse_id,
                "embed_credentials": False,
                "dataset_catalog": "${var.catalog}",
                "dataset_schema": layer_schema(target, dashboard.layer),
                "permissions": _permissions(specs, dashboard.display_name, groups),
            }
        )
        resources.add_dashboard(key, resource, location=location)
        schedule = specs.schedules.schedules.get(dashboard.display_name)
        if schedule is None:
            continue
        destinations = []
        for subscriber in schedule.subscribers:
            name = subscriber.destination_variable
            if name not in variables:
                raise ConfigError(
                    f"resources/dashboards/specs/refresh_schedules.yml: {dashboard.display_name}"
                    f".subscribers: variable {name!r} is not declared in databricks.yml."
                )
            if variables[name] != "":
                destinations.append(f"${{var.{name}}}")
        job = refresh_job(
            key,
            dashboard.display_name,
            quartz_cron(schedule.cron),
            specs.schedules.timezone,
            schedule.paused,
            warehouse_id,
            destinations,
            emails,
            webhook=variables.get("webhook_destination_id") != "",
        )
        resources.add_job(REFRESH_JOB_PREFIX + key, job, location=location)
    placeholders = {layer: f"${{var.catalog}}.{layer_schema(target, layer)}" for layer in LAYERS}
    for key, definition in specs.alerts.alerts.items():
        alert = alert_resource(
            definition, placeholders, warehouse_id, specs.schedules.timezone, development
        )
        resources.add_alert(key, alert, location=location)
