"""`dbt parse` for a target into a scratch folder: the resolved policy, offline.

Databricks targets parse without a workspace: the profile's env vars only need a value, so
unset ones get an obvious placeholder (parse never connects)."""

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


def _profiles_dir(project_dir: Path, out: Path) -> Path:
    """The project's profiles.yml, else a copy of profiles.yml.example (a fresh clone)."""
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(project_dir / "profiles.yml.example", out / "profiles.yml")
    return out
