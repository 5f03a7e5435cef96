"""Feature flags: booleans among the dbt vars of dbt_project.yml, read by the job definitions.

The models read the same vars through the `feature_enabled()` macro; this module reads them
for the bundle's Python code (python/lakehouse_bi/deploy/jobs.py), so one value in
dbt_project.yml drives both. docs/DEPLOYMENT.md, "Feature flags".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from lakehouse_bi.errors import ConfigError

DBT_PROJECT_FILE = "dbt_project.yml"
# Every flag and what it does; dbt_project.yml must set each one to true or false.
FLAGS = {
    "enable_scd2": "snapshots keep customer/product history; off: type-1 dimensions",
    "enable_streaming": "the pipeline job runs on file arrival in the landing volume, not on cron",
    "enable_metric_view_windows": "the sales_metrics metric view defines growth with window "
    "measures (Experimental on Databricks); off: no growth measures in it",
}


@dataclass(frozen=True)
class FeatureFlags:
    """The flags' values (see FLAGS)."""

    enable_scd2: bool
    enable_streaming: bool
    enable_metric_view_windows: bool


def flag_problems(project_dir: Path) -> list[str]:
    """Problems with the flags in dbt_project.yml (missing, not a boolean); empty when valid."""
    path = project_dir / DBT_PROJECT_FILE
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return [f"{path}: cannot be read: {error}"]
    dbt_vars = project.get("vars") or {}
    problems = []
    for name in FLAGS:
        if name not in dbt_vars:
            problems.append(f"{path}: vars.{name} is missing (a feature flag: true or false).")
        elif not isinstance(dbt_vars[name], bool):
            problems.append(f"{path}: vars.{name} must be true or false, got {dbt_vars[name]!r}.")
    return problems


def read_feature_flags(project_dir: Path) -> FeatureFlags:
    """The flags of `project_dir`'s dbt_project.yml; ConfigError listing every problem."""
    problems = flag_problems(project_dir)
    if problems:
        raise ConfigError(
            "Invalid feature flags:\n  " + "\n  ".join(problems),
            hint="Set each flag under `vars:` in dbt_project.yml to true or false.",
        )
    dbt_vars = yaml.safe_load((project_dir / DBT_PROJECT_FILE).read_text(encoding="utf-8"))["vars"]
    return FeatureFlags(**{name: dbt_vars[name] for name in FLAGS})
