"""Which engine a dbt target runs on (profiles.yml) and a warehouse connection for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import Warehouse, connect_databricks, connect_duckdb
from lakehouse_bi.pipeline.project import ProjectPaths


def target_engine(paths: ProjectPaths, target: str) -> str:
    """The adapter type (`duckdb`, `databricks`) of `target` in the project's profile.
    Raises ConfigError naming profiles.yml and the known targets when it is not there."""
    project = yaml.safe_load((paths.root / "dbt_project.yml").read_text())
    profile_name = project.get("profile")
    profiles_file = paths.profiles_dir / "profiles.yml"
    profiles = yaml.safe_load(profiles_file.read_text()) or {}
    outputs = (profiles.get(profile_name) or {}).get("outputs") or {}
    if target not in outputs:
        raise ConfigError(
            f"Target {target!r} is not in profile {profile_name!r} of {profiles_file}.",
            f"Use one of: {', '.join(sorted(outputs)) or '(none)'}.",
        )
    return str(outputs[target].get("type"))


def load_manifest_for(engine: str, manifest_path: Path, target: str) -> Manifest:
    """The dbt manifest, checked to be compiled for the target's engine (relation names and
    quoting differ between engines)."""
    manifest = Manifest.load(manifest_path)
    if manifest.adapter_type != engine:
        raise ConfigError(
            f"{manifest_path} was compiled for {manifest.adapter_type}, target {target!r} "
            f"runs on {engine}.",
            f"Run `dbt parse --target {target}` first, or pass --manifest.",
        )
    return manifest


def connect_target(
    engine: str, paths: ProjectPaths, connect: Callable[..., Any] | None = None
) -> Warehouse:
    """A connection for `engine`: the local DuckDB file (read-only) or a Databricks SQL
    warehouse (DATABRICKS_HOST / DATABRICKS_HTTP_PATH and credentials; `connect` is the
    connector's `connect`, injectable for tests)."""
    if engine == "duckdb":
        return connect_duckdb(paths.duckdb)
    if engine == "databricks":
        return connect_databricks(connect=connect)
    raise ConfigError(f"No operations support for adapter {engine!r}.", "Use DuckDB or Databricks.")
