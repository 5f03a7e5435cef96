"""`lakehouse-bi validate`: offline checks of the project's specs in one pass (the registry in
lakehouse_bi/spec/registry.py: profiles, vars, glossary, policies, ...); `governance` checks
only the policy YAML (docs/GOVERNANCE.md), for every target or one manifest."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from lakehouse_bi.governance.lineage_checks import has_compiled_sql
from lakehouse_bi.governance.manifest import load_nodes
from lakehouse_bi.governance.validate import check_manifest, check_targets, project_lineage
from lakehouse_bi.governance.violations import PolicyError, Violation
from lakehouse_bi.spec.registry import REGISTRY, SpecError, run_checks

DEFAULT_TARGETS = ("dev", "staging", "prod")


@click.group("validate", invoke_without_command=True)
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=".",
    show_default=True,
)
@click.option("--only", multiple=True, type=click.Choice(list(REGISTRY)), help="Run only these.")
@click.option("--skip", multiple=True, type=click.Choice(list(REGISTRY)), help="Skip these.")
@click.pass_context
def validate(
    ctx: click.Context, project_dir: Path, only: tuple[str, ...], skip: tuple[str, ...]
) -> None:
    """Check the project's specs offline. With no subcommand: every registered check in one
    pass (profiles, vars, glossary, policies, ...), every problem naming its file and key."""
    if ctx.invoked_subcommand is not None:
        return
    results = run_checks(project_dir.resolve(), only, skip)
    problems = {name: found for name, found in results.items() if found}
    if problems:
        raise SpecError(problems)
    click.echo(f"Specs valid: {', '.join(results)}.")


@validate.command("governance")
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=".",
    show_default=True,
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    help=f"Parse and check this target (repeatable). Default: {', '.join(DEFAULT_TARGETS)}.",
)
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Check this manifest.json instead of parsing targets.",
)
@click.option(
    "--catalog",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="With --manifest: catalog.json of built relations, to check policy columns exist.",
)
def governance(
    project_dir: Path = Path("."),
    targets: tuple[str, ...] = (),
    manifest: Path | None = None,
    catalog: Path | None = None,
) -> None:
    """Reject unknown classifications, masks, row filters, group roles and privileges,
    policies on missing columns, unmasked PII readable beyond the raw-PII roles, a column
    computed from a pii or confidential column without its own classification (column
    lineage of the compiled SQL), a table storing row-filtered rows without a row filter,
    and any name that is not a plain SQL identifier."""
    project_dir = project_dir.resolve()
    if manifest:
        problems = [str(violation) for violation in _check_one(project_dir, manifest, catalog)]
        checked = str(manifest)
    else:
        targets = targets or DEFAULT_TARGETS
        found = check_targets(project_dir, list(targets))
        problems = [f"[{', '.join(where)}] {problem}" for problem, where in sorted(found.items())]
        checked = "targets " + ", ".join(targets)
    if problems:
        raise PolicyError(problems)
    click.echo(f"Governance policies valid ({checked}).")


def _check_one(project_dir: Path, manifest: Path, catalog: Path | None) -> list[Violation]:
    """check_manifest, with column lineage from a scratch compile when `manifest` holds
    models or snapshots but no compiled SQL (a `dbt parse` manifest). Both files are read
    first, so a bad one is a ConfigError naming it before anything is compiled."""
    nodes = load_nodes(manifest, catalog)
    derived = any(node.resource_type in ("model", "snapshot") for node in nodes)
    if has_compiled_sql(manifest) or not derived:
        return check_manifest(project_dir, manifest, catalog)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bi-validate-") as work_dir:
        lineage, unavailable = project_lineage(project_dir, Path(work_dir))
        return sorted({*unavailable, *check_manifest(project_dir, manifest, catalog, lineage)})
