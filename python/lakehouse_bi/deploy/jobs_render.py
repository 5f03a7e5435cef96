"""Offline rendering of the bundle's resources for one target (`lakehouse-bi jobs render`):
jobs, the SQL warehouse, dashboards and alerts.

Runs the same `build_resources` the Databricks CLI runs at deploy, then applies what the CLI
adds from databricks.yml for the target and resolves every reference it can offline:

- the target's `run_as` on every job, and its top-level `permissions` mapped to job levels
  (CAN_VIEW, CAN_RUN -> CAN_MANAGE_RUN, CAN_MANAGE); source: the CLI's
  apply_bundle_permissions mutator, see /docs/DATABRICKS.md;
- `mode: development`: names prefixed "[dev <short_name>] ", schedules and triggers without
  a pause_status PAUSED (one set explicitly stays as set), the `dev` tag; dashboards and
  alerts prefixed too (alert schedules are not paused by the CLI: the Python resources pause
  them in dev); source: the CLI's apply_target_mode and apply_presets mutators;
- `${var.*}`, `${bundle.target}`, `${bundle.name}`, `${workspace.root_path}`,
  `${workspace.file_path}`. What only a workspace knows (`${workspace.current_user.*}`,
  `${resources.*.id}`) stays as written and is listed under `unresolved`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from databricks.bundles.core import Bundle

from lakehouse_bi.deploy.bundle_config import BundleTarget, references, resolve_target, substitute
from lakehouse_bi.deploy.jobs import build_resources

DEV_NAME_PREFIX = "[dev ${workspace.current_user.short_name}] "
DEFAULT_ROOT_PATH = (
    "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}/${bundle.target}"
)
JOB_PERMISSION_LEVELS = {
    "CAN_VIEW": "CAN_VIEW",
    "CAN_RUN": "CAN_MANAGE_RUN",
    "CAN_MANAGE": "CAN_MANAGE",
}
# The CLI's mapping of top-level levels per resource type (apply_bundle_permissions): a
# dashboard has no CAN_RUN mapping.
DASHBOARD_PERMISSION_LEVELS = {"CAN_VIEW": "CAN_READ", "CAN_MANAGE": "CAN_MANAGE"}
ALERT_PERMISSION_LEVELS = {"CAN_VIEW": "CAN_READ", "CAN_RUN": "CAN_RUN", "CAN_MANAGE": "CAN_MANAGE"}


def _known_references(target: BundleTarget) -> dict[str, Any]:
    """Values of the references the render resolves (variables first resolved among themselves)."""
    known: dict[str, Any] = {"bundle.target": target.name, "bundle.name": target.bundle_name}
    known.update({f"var.{name}": value for name, value in target.variables.items()})
    workspace = target.settings.get("workspace") or {}
    known["workspace.root_path"] = workspace.get("root_path", DEFAULT_ROOT_PATH)
    known["workspace.file_path"] = workspace.get("file_path", "${workspace.root_path}/files")
    return {name: substitute(value, known) for name, value in known.items()}


def _job_permissions(
    permissions: list[dict[str, Any]], levels: dict[str, str] = JOB_PERMISSION_LEVELS
) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in entry.items() if k != "level"}, "level": levels[entry["level"]]}
        for entry in permissions
        if entry.get("level") in levels
    ]


def _apply_target_named(
    resource: dict[str, Any], target: BundleTarget, levels: dict[str, str]
) -> dict[str, Any]:
    """A dashboard or alert as the CLI completes it: the target's permissions mapped to the
    resource's levels, the development-mode prefix on its display name."""
    resource = copy.deepcopy(resource)
    if target.settings.get("permissions"):
        resource["permissions"] = [
            *resource.get("permissions", []),
            *_job_permissions(target.settings["permissions"], levels),
        ]
    if target.mode == "development":
        resource["display_name"] = DEV_NAME_PREFIX + resource.get("display_name", "")
    return resource


def _apply_target(job: dict[str, Any], target: BundleTarget) -> dict[str, Any]:
    job = copy.deepcopy(job)
    if target.settings.get("run_as"):
        job.setdefault("run_as", target.settings["run_as"])
    if target.settings.get("permissions"):
        job["permissions"] = [
            *job.get("permissions", []),
            *_job_permissions(target.settings["permissions"]),
        ]
    if target.mode == "development":
        job["name"] = DEV_NAME_PREFIX + job.get("name", "")
        for block in ("schedule", "trigger"):
            # The CLI's presets pause only what sets no pause_status (apply_presets.go).
            if block in job:
                job[block].setdefault("pause_status", "PAUSED")
        job["tags"] = {**job.get("tags", {}), "dev": "${workspace.current_user.short_name}"}
    return job


def render_resources(
    project_dir: Path,
    target_name: str,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """{target, mode, jobs, sql_warehouses, dashboards, alerts (each {key: resource dict}),
    unresolved: [...], warnings: [...]}.

    Raises ConfigError for an unknown target (listing the targets), bad variables, invalid job
    files or feature flags.
    """
    target = resolve_target(project_dir, target_name, overrides, environ)
    known = _known_references(target)
    variables = {
        name[len("var.") :]: value for name, value in known.items() if name.startswith("var.")
    }
    resources = build_resources(Bundle(target=target.name, variables=variables), project_dir)
    jobs = {key: _apply_target(job.as_dict(), target) for key, job in resources.jobs.items()}
    warehouses = {key: warehouse.as_dict() for key, warehouse in resources.sql_warehouses.items()}
    dashboards = {
        key: _apply_target_named(item.as_dict(), target, DASHBOARD_PERMISSION_LEVELS)
        for key, item in resources.dashboards.items()
    }
    alerts = {
        key: _apply_target_named(item.as_dict(), target, ALERT_PERMISSION_LEVELS)
        for key, item in resources.alerts.items()
    }
    rendered = substitute(
        {"jobs": jobs, "sql_warehouses": warehouses, "dashboards": dashboards, "alerts": alerts},
        known,
    )
    warnings = []
    recipients = target.variables.get("notification_emails") or target.variables.get(
        "webhook_destination_id"
    )
    if target.settings.get("run_as") and not target.variables.get(
        "service_principal_application_id"
    ):
        warnings.append(
            "run_as names no service principal: set service_principal_application_id"
            " (--var or BUNDLE_VAR_service_principal_application_id)."
        )
    if target.mode == "production" and not recipients:
        warnings.append(
            "Nobody is notified when a job fails: set notification_emails and/or"
            " webhook_destination_id (--var or BUNDLE_VAR_<name>)."
        )
    return {
        "target": target.name,
        "mode": target.mode,
        **rendered,
        "unresolved": sorted(f"${{{name}}}" for name in references(rendered)),
        "warnings": warnings,
    }
