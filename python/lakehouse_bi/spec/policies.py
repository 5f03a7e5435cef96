"""Governance policies (docs/GOVERNANCE.md) as a spec check: the project parsed for every
Databricks target (grants differ per environment), with column lineage from one scratch
compile on DuckDB, each problem naming file and key."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lakehouse_bi.governance.validate import check_manifest, project_lineage
from lakehouse_bi.spec.dbt_manifest import manifest_path, work_dir

TARGETS = ("dev", "staging", "prod")


def spec_problems(project_dir: Path) -> list[str]:
    """Policy violations of every target, each listed once with the targets it occurs in."""
    found: dict[str, list[str]] = defaultdict(list)
    lineage, unavailable = project_lineage(project_dir.resolve(), work_dir() / "policies")
    for violation in unavailable:
        found[str(violation)].extend(TARGETS)
    for target in TARGETS:
        manifest = manifest_path(project_dir, target)
        for violation in check_manifest(project_dir, manifest, lineage=lineage):
            found[str(violation)].append(target)
    return [f"{problem} (targets: {', '.join(where)})" for problem, where in sorted(found.items())]
