"""Every governance rule over one manifest, and over the manifests of several targets."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.governance.dbt_parse import compile_lineage_manifest, parse_manifest
from lakehouse_bi.governance.lineage_checks import (
    LineageSource,
    check_classification_lineage,
    check_row_filter_lineage,
    has_compiled_sql,
    lineage_from_manifest,
)
from lakehouse_bi.governance.manifest import load_nodes, load_sources
from lakehouse_bi.governance.node_checks import check_node
from lakehouse_bi.governance.settings import load_settings
from lakehouse_bi.governance.settings_checks import check_settings
from lakehouse_bi.governance.violations import Violation

LINEAGE_UNAVAILABLE_KEY = "column lineage"


def check_manifest(
    project_dir: Path,
    manifest: Path,
    catalog: Path | None = None,
    lineage: LineageSource | None = None,
) -> list[Violation]:
    """The violations of the project's settings and of every node in `manifest`, sorted.

    Column lineage (for the classification-through-lineage rule) comes from `manifest`
    itself when it holds compiled SQL, else from `lineage` (see `project_lineage`); with
    neither, every model and snapshot that reads a classified relation is judged at the
    relation level. Raises ConfigError when a file is not a dbt manifest or catalog."""
    settings, problems = load_settings(project_dir)
    if settings is None:
        return problems
    violations = set(check_settings(settings))
    nodes = load_nodes(manifest, catalog)
    for node in nodes:
        violations.update(check_node(node, settings))
    if has_compiled_sql(manifest):
        lineage = lineage_from_manifest(manifest)
    lineage = lineage or LineageSource(None, "the manifest holds no compiled SQL")
    violations.update(check_classification_lineage(nodes, load_sources(manifest), lineage))
    violations.update(check_row_filter_lineage(nodes, settings))
    return sorted(violations)


def project_lineage(project_dir: Path, work_dir: Path) -> tuple[LineageSource, list[Violation]]:
    """Column lineage of the project from a scratch `dbt compile` on DuckDB (the model SQL is
    the same on every target; see `compile_lineage_manifest`). When the project does not
    compile, no lineage and one violation carrying dbt's error: the lineage rules are then
    skipped rather than judged at the relation level, and the other rules still report.
    Raises nothing for a failed compile; `work_dir` receives the scratch files."""
    try:
        compiled = compile_lineage_manifest(project_dir, work_dir)
    except ConfigError as error:
        return LineageSource(None, "dbt compile failed", relation_level=False), [
            Violation(
                "dbt_project.yml",
                LINEAGE_UNAVAILABLE_KEY,
                f"not derived, so classification was not checked through lineage: "
                f"{error.message} What to do: {error.hint}",
            )
        ]
    return lineage_from_manifest(compiled), []


def check_targets(project_dir: Path, targets: list[str]) -> dict[Violation, list[str]]:
    """Parse each target (grants differ per environment) and check it: violation -> targets.
    The column lineage is derived once (`project_lineage`) and used for every target."""
    found: dict[Violation, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bi-validate-") as work_dir:
        lineage, unavailable = project_lineage(project_dir, Path(work_dir))
        for violation in unavailable:
            found[violation].extend(targets)
        for target in targets:
            manifest = parse_manifest(project_dir, target, Path(work_dir))
            for violation in check_manifest(project_dir, manifest, lineage=lineage):
                found[violation].append(target)
    return dict(found)
