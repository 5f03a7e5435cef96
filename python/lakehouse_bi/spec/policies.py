"""Governance policies (docs/GOVERNANCE.md) as a spec check: the project parsed for every
Databricks target (grants differ per environment), each problem naming file and key."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lakehouse_bi.governance.validate import check_manifest
from lakehouse_bi.spec.dbt_manifest import manifest_path

TARGETS = ("dev", "staging", "prod")


def spec_problems(project_dir: Path) -> list[str]:
    """Policy violations of every target, each listed once with the targets it occurs in."""
    found: dict[str, list[str]] = defaultdict(list)
    for target in TARGETS:
        for violation in check_manifest(project_dir, manifest_path(project_dir, target)):
            found[str(violation)].append(target)
    return [f"{problem} (targets: {', '.join(where)})" for problem, where in sorted(found.items())]
