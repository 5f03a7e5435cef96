"""`lakehouse-bi data-validation`: row counts and schemas vs the previous run's report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lakehouse_bi.ci.data_validation import DataValidationError, validate, write_report
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.warehouse import connect_for
from lakehouse_bi.pipeline.project import ProjectPaths

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("data-validation")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/data_validation"),
    show_default=True,
)
@click.option(
    "--previous",
    type=_FILE,
    default=None,
    help="The previous run's report.json (absent on a first run: baseline).",
)
@click.option(
    "--manifest",
    "manifest_path",
    type=_FILE,
    default=None,
    help="Default: <dbt target path>/manifest.json.",
)
@click.option(
    "--catalog",
    "catalog_path",
    type=_FILE,
    default=None,
    help="dbt docs generate's catalog.json. Default: beside the manifest.",
)
@click.option(
    "--max-row-drop",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Largest accepted fall of a relation's rows since the last run (share).",
)
def data_validation(
    report_dir: Path,
    previous: Path | None,
    manifest_path: Path | None,
    catalog_path: Path | None,
    max_row_drop: float,
) -> None:
    """Count rows and read the built schema of every model, snapshot and seed (from the
    warehouse the manifest was compiled for); compare with the previous report; write
    report.json and report.md; exit non-zero on a problem."""
    paths = ProjectPaths.find()
    manifest_path = manifest_path or paths.target / "manifest.json"
    catalog_path = catalog_path or manifest_path.with_name("catalog.json")
    for path, make in ((manifest_path, "dbt parse"), (catalog_path, "dbt docs generate")):
        if not path.is_file():
            raise ConfigError(f"No {path.name} at {path}.", f"Run `{make}` first.")
    manifest = json.loads(manifest_path.read_text())
    catalog = json.loads(catalog_path.read_text())
    baseline = json.loads(previous.read_text()) if previous and previous.is_file() else None
    with connect_for(manifest["metadata"].get("adapter_type", ""), paths.duckdb) as warehouse:
        report = validate(manifest, catalog, warehouse, baseline, max_row_drop)
    json_path, _ = write_report(report, report_dir)
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(f"{len(report.relations)} relations validated; report {json_path}")
    if report.problems:
        listing = "\n".join(f"  - {problem}" for problem in report.problems)
        raise DataValidationError(
            f"{len(report.problems)} data validation problem(s):\n{listing}",
            f"See {report_dir / 'report.md'}; fix the model or its YAML, or accept a deliberate "
            "change by rerunning without --previous (a new baseline).",
        )
