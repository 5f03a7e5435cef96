"""The bundle's jobs (and its SQL warehouse) as databricks-bundles typed resources; the
dashboards, their refresh jobs and the SQL alerts come from bundle_dashboards.

The Databricks CLI calls `resources/__init__.py:load_resources` at deploy time, which calls
`build_resources` here. Each `resources/jobs/*.job.yml` file is validated with
`databricks.bundles.jobs.Job.from_dict` (a misspelt or mistyped field is rejected, naming the
file, the job and the task), then completed:

- every dbt command except `dbt deps` gets `--target ${bundle.target}` and `--vars` carrying
  the connection of `resources/dbt_profiles/profiles.yml` (warehouse id, catalog, schema), the
  landing root, and the target and job run id its query tags carry;
- the job environments' dependencies are pinned from constraints.txt (dbt-core,
  dbt-databricks, elementary-data), so jobs run the versions tested here;
- feature flag `enable_streaming` (dbt_project.yml) on: the pipeline job has
  `trigger.file_arrival` on the landing volume instead of its cron `schedule`;
- the email notifications list the addresses of `notification_emails` (comma-separated);
- an empty `webhook_destination_id` drops the webhook notifications;
- an empty `warehouse_id` adds the bundle's own SQL warehouse (`sql_warehouses.lakehouse_bi`,
  sized by the warehouse_* variables) and points the jobs at it.

Field semantics (retries, health rules, queue, file arrival) are Databricks Jobs API 2.2 as
typed by databricks-bundles 1.22.1; docs/DATABRICKS.md explains each choice.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from databricks.bundles.core import Bundle, Resources
from databricks.bundles.jobs import Job, Task
from databricks.bundles.sql_warehouses import SqlWarehouse

from lakehouse_bi.deploy.bundle_config import load_bundle_file
from lakehouse_bi.deploy.bundle_dashboards import add_dashboard_resources
from lakehouse_bi.deploy.cd_variables import is_ci_expression
from lakehouse_bi.deploy.dashboard_specs import load_specs
from lakehouse_bi.deploy.feature_flags import FeatureFlags, read_feature_flags
from lakehouse_bi.errors import ConfigError

JOBS_DIR = Path("resources") / "jobs"
JOB_FILE_GLOB = "*.job.yml"
PROFILES_DIR = "resources/dbt_profiles"
CONSTRAINTS_FILE = "constraints.txt"
# Packages the job environments install, pinned to constraints.txt.
JOB_PACKAGES = ("dbt-core", "dbt-databricks", "elementary-data")
PIPELINE_JOB = "lakehouse_bi_pipeline"
ELEMENTARY_TASK = "elementary_report"
WAREHOUSE_KEY = "lakehouse_bi"
OWN_WAREHOUSE_ID = "${resources.sql_warehouses.lakehouse_bi.id}"
# A Jobs dynamic value reference, filled in by the job when the task runs (dbt commands accept
# them: docs.databricks.com/jobs/parameters.html); the bundle leaves `{{...}}` untouched. dbt
# renders string vars as Jinja: the raw block keeps a reference the job did not fill in (a dbt
# command run by hand) a literal instead of a Jinja error ('job' is undefined).
JOB_RUN_ID_REFERENCE = "{% raw %}{{job.run_id}}{% endraw %}"
# File arrival: at most one run per 5 minutes, once files stopped changing for 2 minutes
# (a landing batch is several files: one run per batch, not per file).
FILE_ARRIVAL_MIN_SECONDS = 300
FILE_ARRIVAL_WAIT_SECONDS = 120


@dataclass(frozen=True)
class JobFile:
    """One job of a resources/jobs/*.job.yml file, as written."""

    path: Path
    key: str
    spec: dict[str, Any]


def load_job_files(project_dir: Path) -> list[JobFile]:
    """Every job in resources/jobs/*.job.yml (sorted by file); ConfigError naming the file
    when one is not YAML, holds no `resources.jobs` mapping, or repeats a job key."""
    found: dict[str, JobFile] = {}
    for path in sorted((project_dir / JOBS_DIR).glob(JOB_FILE_GLOB)):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from error
        jobs = (data.get("resources") or {}).get("jobs") if isinstance(data, dict) else None
        if not isinstance(jobs, dict) or not jobs:
            raise ConfigError(
                f"{path}: expected `resources: jobs: <key>: {{...}}`.",
                hint="One or more jobs under resources.jobs, keyed by their bundle name.",
            )
        for key, spec in jobs.items():
            if key in found:
                raise ConfigError(f"{path}: job '{key}' is also defined in {found[key].path}.")
            if not isinstance(spec, dict):
                raise ConfigError(f"{path}: resources.jobs.{key} must be a mapping.")
            found[key] = JobFile(path, key, spec)
    if not found:
        raise ConfigError(f"No job files ({JOB_FILE_GLOB}) under {project_dir / JOBS_DIR}.")
    return list(found.values())


def typed_job(job_file: JobFile, spec: dict[str, Any] | None = None) -> Job:
    """`spec` (default: the file's) as a typed Job; ConfigError naming the file, job and task
    when databricks-bundles rejects a field (unknown name, wrong type)."""
    spec = job_file.spec if spec is None else spec
    where = f"{job_file.path}: resources.jobs.{job_file.key}"
    tasks = spec.get("tasks") or []
    if not isinstance(tasks, list):
        raise ConfigError(f"{where}.tasks must be a list of tasks.")
    for index, task in enumerate(tasks):
        label = task.get("task_key", "?") if isinstance(task, dict) else "?"
        try:
            Task.from_dict(task)
        except (ValueError, TypeError, KeyError) as error:
            raise ConfigError(
                f"{where}.tasks[{index}] (task_key '{label}'): {error}",
                hint="Fix the field's name or type (Databricks Jobs API, databricks-bundles Task).",
            ) from error
    try:
        return Job.from_dict(spec)
    except (ValueError, TypeError, KeyError) as error:
        raise ConfigError(
            f"{where}: {error}",
            hint="Fix the field's name or type (Databricks Jobs API, databricks-bundles Job).",
        ) from error


def pinned_packages(project_dir: Path) -> list[str]:
    """`name==version` of each JOB_PACKAGES entry in constraints.txt; ConfigError if missing."""
    pins = {}
    for line in (project_dir / CONSTRAINTS_FILE).read_text(encoding="utf-8").splitlines():
        name, _, version = line.split("#", 1)[0].strip().partition("==")
        if version:
            pins[name.strip().lower()] = version.strip()
    missing = [name for name in JOB_PACKAGES if name not in pins]
    if missing:
        raise ConfigError(
            f"{project_dir / CONSTRAINTS_FILE} pins no version of {', '.join(missing)}.",
            hint="The job environments install exactly the versions pinned there.",
        )
    return [f"{name}=={pins[name]}" for name in JOB_PACKAGES]


def dbt_connection_vars(warehouse_id: str) -> dict[str, str]:
    """The dbt vars every job dbt command passes (read by resources/dbt_profiles/profiles.yml
    and by the `landing_root` var of dbt_project.yml). `databricks_target` and
    `databricks_job_run_id` feed the profile's query tags (cost attribution): the bundle target,
    and the run id the job substitutes for the dynamic value reference at run time."""
    return {
        "databricks_warehouse_id": warehouse_id,
        "databricks_catalog": "${var.catalog}",
        "databricks_schema": "${var.schema}",
        "landing_root": "${var.landing_volume}",
        "databricks_target": "${bundle.target}",
        "databricks_job_run_id": JOB_RUN_ID_REFERENCE,
    }


def dbt_command(command: str, connection_vars: dict[str, str]) -> str:
    """A job's dbt command with the bundle target and the connection vars appended
    (`dbt deps` reads only packages.yml and is left as written)."""
    words = command.split()
    if words[:2] == ["dbt", "deps"] or "--target" in words or "-t" in words:
        return command
    return f"{command} --target ${{bundle.target}} --vars '{json.dumps(connection_vars)}'"


def complete_job(
    key: str,
    spec: dict[str, Any],
    *,
    target: str,
    flags: FeatureFlags,
    warehouse_id: str,
    packages: list[str],
    variables: dict[str, Any],
) -> dict[str, Any]:
    """The job file's spec completed as the module docstring says (a new dict)."""
    job = copy.deepcopy(spec)
    connection = dbt_connection_vars(warehouse_id)
    for task in job.get("tasks") or []:
        dbt_task = task.get("dbt_task")
        if dbt_task:
            dbt_task["commands"] = [dbt_command(c, connection) for c in dbt_task["commands"]]
        python_task = task.get("spark_python_task")
        if python_task and task.get("task_key") == ELEMENTARY_TASK:
            # In dev, dbt's generate_schema_name prefixes layer schemas with the target schema.
            schema = "${var.schema}_elementary" if target == "dev" else "elementary"
            python_task["parameters"] = [
                *python_task.get("parameters", []),
                *("--warehouse-id", warehouse_id, "--catalog", "${var.catalog}"),
                *("--elementary-schema", schema),
            ]
    for environment in job.get("environments") or []:
        spec_block = environment.setdefault("spec", {})
        spec_block["dependencies"] = [*spec_block.get("dependencies", []), *packages]
    if key == PIPELINE_JOB and flags.enable_streaming:
        schedule = job.pop("schedule", None) or {}
        job["trigger"] = {
            **({"pause_status": schedule["pause_status"]} if "pause_status" in schedule else {}),
            "file_arrival": {
                "url": "${var.landing_volume}/",
                "min_time_between_triggers_seconds": FILE_ARRIVAL_MIN_SECONDS,
                "wait_after_last_change_seconds": FILE_ARRIVAL_WAIT_SECONDS,
            },
        }
    emails = notification_emails(variables.get("notification_emails"))
    for event, recipients in (job.get("email_notifications") or {}).items():
        if isinstance(recipients, list):
            job["email_notifications"][event] = [*recipients, *emails]
    if variables.get("webhook_destination_id") == "":
        job.pop("webhook_notifications", None)
    return job


def notification_emails(value: Any) -> list[str]:
    """The addresses of the `notification_emails` variable (comma-separated; None or empty:
    none). ConfigError naming the variable for an entry that is not an address.

    A GitHub Actions expression (`${{ vars.NOTIFICATION_EMAILS }}`, what the offline checks
    hold for a value only CD knows: lakehouse_bi.deploy.cd_variables) stays one entry."""
    if is_ci_expression(value):
        return [str(value).strip()]
    entries = [entry.strip() for entry in str(value or "").split(",") if entry.strip()]
    for entry in entries:
        if "@" not in entry or " " in entry:
            raise ConfigError(
                f"Bundle variable notification_emails: '{entry}' is not an email address.",
                hint="Comma-separated addresses: --var notification_emails=a@x.com,b@x.com",
            )
    return entries


def own_warehouse() -> SqlWarehouse:
    """The bundle's SQL warehouse, sized by the warehouse_* variables (docs/PERFORMANCE.md)."""
    return SqlWarehouse.from_dict(
        {
            "name": "lakehouse-bi ${bundle.target}",
            "cluster_size": "${var.warehouse_size}",
            "min_num_clusters": "${var.warehouse_min_clusters}",
            "max_num_clusters": "${var.warehouse_max_clusters}",
            "auto_stop_mins": "${var.warehouse_auto_stop_minutes}",
            "spot_instance_policy": "${var.warehouse_spot_policy}",
            "enable_serverless_compute": "${var.warehouse_serverless}",
            "enable_photon": True,
            "warehouse_type": "PRO",
            "tags": {"custom_tags": [{"key": "project", "value": "lakehouse_bi"}]},
        }
    )


def build_resources(bundle: Bundle, project_dir: Path) -> Resources:
    """The bundle's jobs (and warehouse when `warehouse_id` is empty), dashboards, their
    refresh jobs and alerts (bundle_dashboards) for `bundle.target`.

    `bundle.variables` holds the target's variable values as the CLI resolved them; a value it
    does not know (None) keeps the `${var.*}` reference. Raises ConfigError (see typed_job,
    load_job_files, pinned_packages, read_feature_flags).
    """
    flags = read_feature_flags(project_dir)
    packages = pinned_packages(project_dir)
    resources = Resources()
    warehouse_id = "${var.warehouse_id}"
    if bundle.variables.get("warehouse_id") == "":
        resources.add_sql_warehouse(WAREHOUSE_KEY, own_warehouse())
        warehouse_id = OWN_WAREHOUSE_ID
    targets = load_bundle_file(project_dir).get("targets") or {}
    add_dashboard_resources(
        resources,
        project_dir,
        target=bundle.target,
        development=(targets.get(bundle.target) or {}).get("mode") == "development",
        warehouse_id=warehouse_id,
        specs=load_specs(project_dir),
        variables=bundle.variables,
        emails=notification_emails(bundle.variables.get("notification_emails")),
    )
    for job_file in load_job_files(project_dir):
        typed_job(job_file)  # as written: errors name the file's own fields
        completed = complete_job(
            job_file.key,
            job_file.spec,
            target=bundle.target,
            flags=flags,
            warehouse_id=warehouse_id,
            packages=packages,
            variables=bundle.variables,
        )
        resources.add_job(job_file.key, typed_job(job_file, completed))
    return resources
