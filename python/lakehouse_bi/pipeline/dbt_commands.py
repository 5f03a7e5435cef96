"""Run dbt and edr as subprocesses (each releases the DuckDB file when it exits) and read
what they report."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse_bi.errors import PipelineError
from lakehouse_bi.pipeline.project import ProjectPaths


@dataclass
class RunSummary:
    """Statuses of one dbt invocation's nodes, from target/run_results.json."""

    node_statuses: Counter = field(default_factory=Counter)
    test_statuses: Counter = field(default_factory=Counter)

    @classmethod
    def read(cls, run_results: Path) -> RunSummary:
        summary = cls()
        if not run_results.is_file():
            return summary
        for result in json.loads(run_results.read_text()).get("results", []):
            kind = result["unique_id"].split(".", 1)[0]
            bucket = (
                summary.test_statuses if kind in {"test", "unit_test"} else summary.node_statuses
            )
            bucket[result["status"]] += 1
        return summary


def venv_tool(name: str) -> str:
    """The dbt / edr beside this interpreter (the project virtualenv), else from PATH."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def run_dbt(paths: ProjectPaths, *args: str, check: bool = True) -> RunSummary:
    command = [
        venv_tool("dbt"),
        *args,
        "--project-dir",
        str(paths.root),
        "--profiles-dir",
        str(paths.profiles_dir),
    ]
    completed = subprocess.run(command, cwd=paths.root, env=paths.environment(), check=False)
    summary = RunSummary.read(paths.target / "run_results.json")
    if check and completed.returncode != 0:
        raise PipelineError(
            f"`dbt {' '.join(args)}` failed (exit {completed.returncode}).",
            "Read the dbt log above (and logs/dbt.log); fix the failing model or test, "
            "then rerun: `dbt retry` re-runs only what failed.",
        )
    return summary


# edr's config.yml: offline-friendly (no tracking, no version check, no `dbt deps`).
EDR_CONFIG = {
    "anonymous_usage_tracking": False,
    "disable_elementary_version_check": True,
    "run_dbt_deps_if_needed": False,
}


def edr_config_text(extra: dict | None = None) -> str:
    """config.yml for edr: EDR_CONFIG plus `extra` sections (e.g. {"slack": {...}})."""
    import yaml

    return yaml.safe_dump({**EDR_CONFIG, **(extra or {})}, sort_keys=False)


def write_edr_config(paths: ProjectPaths) -> Path:
    """edr's config (EDR_CONFIG, no secret) in <target>/edr; returns the folder."""
    config_dir = paths.target / "edr"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.yml").write_text(edr_config_text())
    return config_dir


def run_edr_report(paths: ProjectPaths) -> Path:
    report = paths.elementary_report
    report.parent.mkdir(parents=True, exist_ok=True)
    command = [
        venv_tool("edr"),
        "report",
        "--config-dir",
        str(write_edr_config(paths)),
        "--profiles-dir",
        str(paths.profiles_dir),
        "--project-dir",
        str(paths.root),
        "--file-path",
        str(report),
        "--open-browser",
        "false",
    ]
    completed = subprocess.run(command, cwd=paths.root, env=paths.environment(), check=False)
    if completed.returncode != 0 or not report.is_file():
        raise PipelineError(
            f"`edr report` failed (exit {completed.returncode}).",
            "Check that `dbt build` ran (Elementary's tables live in the elementary schema) "
            "and that `lakehouse-bi deps` prepared edr's internal packages.",
        )
    return report
