"""Checks of the bundle spec (databricks.yml, resources/jobs/*.job.yml, feature flags).

`spec_problems(project_dir)` is this spec kind's entry for `lakehouse-bi validate`: every
problem names the file and key. What it checks, beyond databricks-bundles' own typing:
databricks.yml's top-level and target keys (the bundle schema's names), no workspace host in
the file, each target's catalog the same in profiles.yml.example, every `${var.*}` declared,
production targets with `run_as` and a `root_path`, and for every target the completed jobs:
Jobs API limits of dbt tasks (1 to 10 commands, each starting with `dbt`;
`profiles_directory` and `warehouse_id` exclusive), `--target` on every dbt command but
`dbt deps`, retries and timeouts on every task, a run-duration health rule, a
failure notification, and a schedule or trigger. Sources: databricks-bundles 1.22.1
docstrings (DbtTask, Task, JobsHealthRule); the bundle JSON schema's root keys.

Every target is resolved with exactly the variables CD passes (cd.yml's `BUNDLE_VAR_*`, see
lakehouse_bi.deploy.cd_variables), never with made-up values: a production target whose
`run_as` service principal would resolve to empty, any warehouse id that would resolve to
empty, a production target whose `permissions` leave out CAN_MANAGE for the identity CD
deploys as (the service principal), and a target no cd.yml job deploys are problems.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from databricks.bundles.core import Bundle
from databricks.bundles.jobs import Job

from lakehouse_bi.deploy.bundle_config import (
    BUNDLE_FILE,
    load_bundle_file,
    resolve_target,
    target_names,
)
from lakehouse_bi.deploy.cd_variables import CD_WORKFLOW, cd_deploy_jobs, cd_variable_values
from lakehouse_bi.deploy.feature_flags import flag_problems
from lakehouse_bi.deploy.jobs import build_resources, load_job_files, typed_job
from lakehouse_bi.deploy.jobs_render import render_resources
from lakehouse_bi.errors import ConfigError

ROOT_KEYS = {
    "artifacts", "bundle", "environments", "experimental", "include", "permissions", "presets",
    "python", "resources", "run_as", "scripts", "sync", "targets", "variables", "workspace",
}  # fmt: skip
TARGET_KEYS = {
    "artifacts", "bundle", "cluster_id", "compute_id", "default", "git", "mode", "permissions",
    "presets", "resources", "run_as", "sync", "variables", "workspace",
}  # fmt: skip
MAX_DBT_COMMANDS = 10
SERVICE_PRINCIPAL_VARIABLE = "service_principal_application_id"


def _file_problems(project_dir: Path, bundle: dict[str, Any]) -> list[str]:
    path = project_dir / BUNDLE_FILE
    problems = [f"{path}: unknown top-level key '{key}'." for key in bundle if key not in ROOT_KEYS]
    declared = set(bundle.get("variables") or {})
    text = path.read_text(encoding="utf-8")
    for job_file in load_job_files(project_dir):
        text += job_file.path.read_text(encoding="utf-8")
    for name in sorted(set(_var_references(text)) - declared):
        problems.append(f"{path}: variables.{name} is used (${{var.{name}}}) but not declared.")
    if (bundle.get("workspace") or {}).get("host"):
        problems.append(
            f"{path}: workspace.host must not be in the file (DATABRICKS_HOST or a CLI profile)."
        )
    for name, block in (bundle.get("targets") or {}).items():
        block = block or {}
        where = f"{path}: targets.{name}"
        problems += [f"{where}: unknown key '{key}'." for key in block if key not in TARGET_KEYS]
        if (block.get("workspace") or {}).get("host"):
            problems.append(f"{where}.workspace.host must not be in the file (DATABRICKS_HOST).")
        if block.get("mode") not in (None, "development", "production"):
            problems.append(f"{where}.mode must be development or production.")
        if block.get("mode") == "production":
            if not block.get("run_as"):
                problems.append(f"{where}: a production target needs run_as (a service principal).")
            if not (block.get("workspace") or {}).get("root_path"):
                problems.append(f"{where}: a production target needs workspace.root_path.")
    return problems


PROFILES_EXAMPLE = "profiles.yml.example"
CATALOG_DEFAULT = re.compile(r"env_var\('DATABRICKS_CATALOG',\s*'([^']+)'\)")


def _profile_problems(project_dir: Path, bundle: dict[str, Any]) -> list[str]:
    """databricks.yml owns each target's catalog; profiles.yml.example repeats it as the default
    for runs from a laptop, and must agree (docs/DEPLOYMENT.md, One source per value)."""
    path = project_dir / PROFILES_EXAMPLE
    if not path.is_file():
        return []
    outputs = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("lakehouse_bi", {})
    problems = []
    for target in target_names(bundle):
        output = (outputs.get("outputs") or {}).get(target)
        if output is None:
            problems.append(f"{path}: lakehouse_bi.outputs.{target} is missing (a bundle target).")
            continue
        match = CATALOG_DEFAULT.search(str(output.get("catalog", "")))
        expected = resolve_target(
            project_dir, target, cd_variable_values(project_dir, target), environ={}
        ).variables["catalog"]
        if not match or match.group(1) != expected:
            problems.append(
                f"{path}: lakehouse_bi.outputs.{target}.catalog defaults to "
                f"{match.group(1) if match else 'nothing'!r}; databricks.yml says {expected!r}."
            )
    return problems


def _var_references(text: str) -> list[str]:
    return re.findall(r"\$\{var\.([A-Za-z_][A-Za-z0-9_]*)", text)


def job_problems(
    key: str,
    job: dict[str, Any],
    where: str,
    project_dir: Path | None = None,
    notify: bool = True,
) -> list[str]:
    """Problems of one completed job (as_dict form) beyond field typing; with `project_dir`,
    also a dbt task's profiles directory without a profiles.yml. `notify`: the job must tell
    someone of a failure (production targets; a personal dev deploy need not)."""
    problems = []
    try:
        Job.from_dict(job)
    except (ValueError, TypeError, KeyError) as error:
        problems.append(f"{where}: {error}")
    if not job.get("schedule") and not job.get("trigger"):
        problems.append(f"{where}: neither a schedule nor a trigger.")
    rules = (job.get("health") or {}).get("rules") or []
    if not any(rule.get("metric") == "RUN_DURATION_SECONDS" for rule in rules):
        problems.append(f"{where}.health: no RUN_DURATION_SECONDS rule.")
    if not job.get("timeout_seconds"):
        problems.append(f"{where}.timeout_seconds: not set (0 means no timeout).")
    if "no_alert_for_skipped_runs" in (job.get("email_notifications") or {}):
        problems.append(
            f"{where}.email_notifications.no_alert_for_skipped_runs: deprecated by the Jobs API;"
            " use notification_settings.no_alert_for_skipped_runs."
        )
    if not (job.get("notification_settings") or {}).get("no_alert_for_skipped_runs"):
        problems.append(
            f"{where}.notification_settings.no_alert_for_skipped_runs: not set (a skipped run"
            " would notify the failure recipients)."
        )
    if notify and not any(
        (job.get(block) or {}).get("on_failure")
        for block in ("email_notifications", "webhook_notifications")
    ):
        problems.append(
            f"{where}: nobody is notified on failure (email_notifications.on_failure and"
            " webhook_notifications.on_failure empty: variables notification_emails,"
            " webhook_destination_id)."
        )
    for task in job.get("tasks") or []:
        at = f"{where}.tasks[{task.get('task_key')}]"
        for field in ("max_retries", "min_retry_interval_millis", "timeout_seconds"):
            if field not in task:
                problems.append(f"{at}.{field}: not set.")
        if "retry_on_timeout" not in task:
            problems.append(f"{at}.retry_on_timeout: not set.")
        dbt_task = task.get("dbt_task")
        if not dbt_task:
            continue
        commands = dbt_task.get("commands") or []
        if not 1 <= len(commands) <= MAX_DBT_COMMANDS:
            problems.append(
                f"{at}.dbt_task.commands: {len(commands)} commands (1 to {MAX_DBT_COMMANDS})."
            )
        for command in commands:
            words = command.split()
            if words[:1] != ["dbt"]:
                problems.append(f"{at}.dbt_task.commands: '{command}' does not start with dbt.")
            elif words[1:2] != ["deps"] and "--target" not in words:
                problems.append(f"{at}.dbt_task.commands: '{words[0]} {words[1]}' has no --target.")
        profiles = dbt_task.get("profiles_directory")
        if profiles and project_dir and not (project_dir / profiles / "profiles.yml").is_file():
            problems.append(f"{at}.dbt_task.profiles_directory: no {profiles}/profiles.yml.")
        if dbt_task.get("profiles_directory") and dbt_task.get("warehouse_id"):
            problems.append(
                f"{at}.dbt_task: profiles_directory and warehouse_id exclude each other."
            )
    return problems


def spec_problems(project_dir: Path) -> list[str]:
    """Every problem of the bundle spec under `project_dir` (empty list: valid)."""
    try:
        bundle = load_bundle_file(project_dir)
        problems = _file_problems(project_dir, bundle) + flag_problems(project_dir)
        problems += _profile_problems(project_dir, bundle)
        for job_file in load_job_files(project_dir):
            typed_job(job_file)
    except ConfigError as error:
        return [error.message]
    if problems:
        return problems
    deploy_jobs = cd_deploy_jobs(project_dir) if (project_dir / CD_WORKFLOW).is_file() else None
    for target in target_names(bundle):
        values = cd_variable_values(project_dir, target)
        try:
            resolved = resolve_target(project_dir, target, values, environ={})
            resources = build_resources(
                Bundle(target=target, variables=resolved.variables), project_dir
            )
            rendered = render_resources(project_dir, target, values, environ={})
        except ConfigError as error:
            problems.append(f"{project_dir / BUNDLE_FILE}: targets.{target}: {error.message}")
            continue
        for key, job in resources.jobs.items():
            where = f"{BUNDLE_FILE} targets.{target}: resources.jobs.{key}"
            production = resolved.mode == "production"
            problems += job_problems(key, job.as_dict(), where, project_dir, notify=production)
        if deploy_jobs is not None:
            problems += deployment_problems(
                target, resolved.settings, rendered, deploy_jobs.get(target)
            )
    return problems


def _warehouse_ids(value: Any, at: str) -> list[tuple[str, Any]]:
    """(where, value) of every warehouse id in a rendered resource tree: `warehouse_id`
    fields, the dbt commands' `databricks_warehouse_id` var, a `--warehouse-id` parameter."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "warehouse_id":
                found.append((f"{at}.{key}", item))
            else:
                found += _warehouse_ids(item, f"{at}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item == "--warehouse-id":
                following = value[index + 1] if index + 1 < len(value) else ""
                found.append((f"{at}[{index + 1}]", following))
            else:
                found += _warehouse_ids(item, f"{at}[{index}]")
    elif isinstance(value, str) and "databricks_warehouse_id" in value:
        match = re.search(r'"databricks_warehouse_id":\s*"([^"]*)"', value)
        found.append((f"{at} (--vars databricks_warehouse_id)", match.group(1) if match else ""))
    return found


def deployment_problems(
    target: str,
    settings: dict[str, Any],
    rendered: dict[str, Any],
    deploy_job: Any,
) -> list[str]:
    """What would break `databricks bundle deploy -t <target>` from CD, for a target rendered
    with the variables CD passes (`deploy_job`: its cd.yml job, None when no job deploys it):
    an empty run_as service principal, an empty warehouse id, a production target whose
    permissions lack CAN_MANAGE for the service principal CD deploys as."""
    where = f"{BUNDLE_FILE} targets.{target}"
    if deploy_job is None:
        return [f"{where}: no job of {CD_WORKFLOW} deploys it (env TARGET: {target})."]
    passed = f"cd.yml job {deploy_job.job} passes " + (
        ", ".join(f"BUNDLE_VAR_{name}" for name in sorted(deploy_job.variables)) or "none"
    )
    if SERVICE_PRINCIPAL_VARIABLE in deploy_job.variables:
        identity_fix = (
            f"cd.yml job {deploy_job.job} passes BUNDLE_VAR_{SERVICE_PRINCIPAL_VARIABLE} from "
            f"{deploy_job.variables[SERVICE_PRINCIPAL_VARIABLE]}, empty here: set that GitHub "
            "variable in the job's environment"
        )
    else:
        identity_fix = (
            f"cd.yml job {deploy_job.job} does not pass BUNDLE_VAR_{SERVICE_PRINCIPAL_VARIABLE}"
            ": add it to the job's env from a GitHub variable"
        )
    problems = []
    for kind, resources in rendered.items():
        if kind not in ("jobs", "dashboards", "alerts"):
            continue
        for key, resource in resources.items():
            at = f"{where}: resources.{kind}.{key}"
            run_as = resource.get("run_as") or {}
            if (
                kind == "jobs"
                and settings.get("run_as")
                and not str(run_as.get("service_principal_name") or "")
            ):
                problems.append(
                    f"{at}.run_as.service_principal_name resolves to empty ({identity_fix})."
                )
            for field, value in _warehouse_ids(resource, at):
                if not str(value or "").strip():
                    problems.append(f"{field} resolves to empty ({passed}).")
    if settings.get("mode") == "development":
        for kind, block in (("jobs", "schedule"), ("jobs", "trigger"), ("alerts", "schedule")):
            for key, resource in rendered.get(kind, {}).items():
                status = (resource.get(block) or {}).get("pause_status")
                if block in resource and status != "PAUSED":
                    problems.append(
                        f"{where}: resources.{kind}.{key}.{block}.pause_status is {status!r} in "
                        "development mode (an explicit pause_status is not paused by the CLI)."
                    )
    if settings.get("mode") == "production":
        principal = (settings.get("run_as") or {}).get("service_principal_name")
        managers = [
            entry
            for entry in settings.get("permissions") or []
            if entry.get("level") == "CAN_MANAGE"
            and entry.get("service_principal_name") == principal
        ]
        if principal and not managers:
            problems.append(
                f"{where}.permissions: no CAN_MANAGE for the deploying service principal "
                f"({principal}); the CLI warns, and a deploy by anyone else would drop its "
                "CAN_MANAGE."
            )
    return problems
