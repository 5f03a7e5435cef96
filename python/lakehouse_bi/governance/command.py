"""`lakehouse-bi validate`: offline checks of the project's specs; `governance` checks the
policy YAML (docs/GOVERNANCE.md) for every target before it reaches a warehouse."""

from __future__ import annotations

from pathlib import Path

import click

from lakehouse_bi.governance.validate import check_manifest, check_targets
from lakehouse_bi.governance.violations import PolicyError

DEFAULT_TARGETS = ("dev", "staging", "prod")


@click.group("validate", invoke_without_command=True)
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check the project's specs offline; with no subcommand, run every check."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(governance)


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
    policies on missing columns, unmasked PII readable beyond the raw-PII roles, and any
    name that is not a plain SQL identifier."""
    project_dir = project_dir.resolve()
    if manifest:
        problems = [str(violation) for violation in check_manifest(project_dir, manifest, catalog)]
        checked = str(manifest)
    else:
        targets = targets or DEFAULT_TARGETS
        found = check_targets(project_dir, list(targets))
        problems = [f"[{', '.join(where)}] {problem}" for problem, where in sorted(found.items())]
        checked = "targets " + ", ".join(targets)
    if problems:
        raise PolicyError(problems)
    click.echo(f"Governance policies valid ({checked}).")
