"""Every governance rule over one manifest, and over the manifests of several targets."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from lakehouse_bi.governance.dbt_parse import parse_manifest
from lakehouse_bi.governance.manifest import load_nodes
from lakehouse_bi.governance.node_checks import check_node
from lakehouse_bi.governance.settings import load_settings
from lakehouse_bi.governance.settings_checks import check_settings
from lakehouse_bi.governance.violations import Violation


def check_manifest(
    project_dir: Path, manifest: Path, catalog: Path | None = None
) -> list[Violation]:
    """The violations of the project's settings and of every node in `manifest`."""
    settings, problems = load_settings(project_dir)
    if settings is None:
        return problems
    violations = set(check_settings(settings))
    for node in load_nodes(manifest, catalog):
        violations.update(check_node(node, settings))
    return sorted(violations)


def check_targets(project_dir: Path, targets: list[str]) -> dict[Violation, list[str]]:
    """Parse each target (grants differ per environment) and check it: violation -> targets."""
    found: dict[Violation, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bi-validate-") as work_dir:
        for target in targets:
            manifest = parse_manifest(project_dir, target, Path(work_dir))
            for violation in check_manifest(project_dir, manifest):
                found[violation].append(target)
    return dict(found)
