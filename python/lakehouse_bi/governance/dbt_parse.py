"""`dbt parse` for a target into a scratch folder: the resolved policy, offline.

Databricks targets parse without a workspace: the profile's env vars only need a value, so
unset ones get an obvious placeholder (parse never connects). Compiled SQL (for column
lineage) comes from a scratch `dbt compile` on the embedded DuckDB target: the model files
are the same on every target, and compiling for Databricks would need a workspace."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.pipeline.dbt_commands import venv_tool

PLACEHOLDER_ENV = {
    "DATABRICKS_HOST": "https://placeholder.invalid",
    "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/placeholder",
    "DATABRICKS_TOKEN": "placeholder",
    "DATABRICKS_CLIENT_ID": "placeholder",
    "DATABRICKS_CLIENT_SECRET": "placeholder",  # pragma: allowlist secret
}


def parse_manifest(project_dir: Path, target: str, work_dir: Path) -> Path:
    """Run `dbt parse --target <target>`; return the manifest it wrote under `work_dir`."""
    out = work_dir / target
    profiles_dir = _profiles_dir(project_dir, out)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    for name, placeholder in PLACEHOLDER_ENV.items():
        env.setdefault(name, placeholder)
    command = [
        venv_tool("dbt"),
        "parse",
        "--quiet",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        target,
        "--target-path",
        str(out / "target"),
        "--log-path",
        str(out / "logs"),
    ]
    completed = subprocess.run(
        command, cwd=project_dir, env=env, capture_output=True, text=True, check=False
    )
    manifest = out / "target" / "manifest.json"
    if completed.returncode != 0 or not manifest.is_file():
        output = (completed.stdout + completed.stderr)[-3000:]
        raise ConfigError(
            f"`dbt parse --target {target}` failed:\n{output}",
            "Fix the YAML or Jinja named above; `dbt parse` must succeed before policies "
            "can be checked.",
        )
    return manifest


LINEAGE_TARGET = "local"
# Scratch compile: an empty DuckDB file and landing folder of its own, no audit record, one
# thread (the on-run-start hooks and the introspective queries share one DuckDB file).
LINEAGE_VARS = '{"audit_enabled": false}'
LINEAGE_SELECTION = (
    "package:lakehouse_bi,resource_type:model",
    "package:lakehouse_bi,resource_type:snapshot",
)


def compile_lineage_manifest(project_dir: Path, work_dir: Path) -> Path:
    """`dbt compile` of the project's models and snapshots on the DuckDB target, into
    `work_dir/lineage` (database, landing folder, target and logs all scratch: nothing of the
    project's own warehouse is read or written, nothing connects to a workspace). Returns the
    manifest with compiled SQL. Raises ConfigError with dbt's output when compiling fails."""
    out = work_dir / "lineage"
    (out / "landing").mkdir(parents=True, exist_ok=True)
    profiles_dir = _profiles_dir(project_dir, out)
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "LAKEHOUSE_BI_DUCKDB_PATH": str(out / "lineage.duckdb"),
        "LAKEHOUSE_BI_LANDING_ROOT": str(out / "landing"),
    }
    command = [
        venv_tool("dbt"),
        "compile",
        "--quiet",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        LINEAGE_TARGET,
        "--threads",
        "1",
        "--vars",
        LINEAGE_VARS,
        "--select",
        *LINEAGE_SELECTION,
        "--target-path",
        str(out / "target"),
        "--log-path",
        str(out / "logs"),
    ]
    completed = subprocess.run(
        command, cwd=project_dir, env=env, capture_output=True, text=True, check=False
    )
    manifest = out / "target" / "manifest.json"
    if completed.returncode != 0 or not manifest.is_file():
        output = (completed.stdout + completed.stderr)[-3000:]
        raise ConfigError(
            f"`dbt compile --target {LINEAGE_TARGET}` (for column lineage) failed:\n{output}",
            "Fix the YAML or SQL named above; the models must compile before lineage can be "
            "derived.",
        )
    return manifest


def _profiles_dir(project_dir: Path, out: Path) -> Path:
    """The project's profiles.yml, else a copy of profiles.yml.example (a fresh clone).
    Raises ConfigError when the project has neither."""
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    if not (project_dir / "profiles.yml.example").is_file():
        raise ConfigError(
            f"{project_dir} has no profiles.yml or profiles.yml.example.",
            "Run the command from the dbt project (or pass --project-dir); `make setup` "
            "writes profiles.yml.",
        )
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(project_dir / "profiles.yml.example", out / "profiles.yml")
    return out
