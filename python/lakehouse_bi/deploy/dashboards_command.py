"""`lakehouse-bi dashboards preview|validate`. Deploying is the bundle's: the dashboards, their
refresh jobs and the alerts are bundle resources (bundle_dashboards, `databricks bundle
deploy`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from lakehouse_bi.deploy.dashboard_checks import spec_problems
from lakehouse_bi.deploy.preview import write_preview
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.pipeline.project import ProjectPaths


def preview_path(paths: ProjectPaths) -> Path:
    """Where the preview page goes by default: beside the Elementary report."""
    return paths.elementary_report.parent / "dashboards_preview.html"


@click.group("dashboards")
def dashboards() -> None:
    """Lakeview dashboards and SQL alerts: preview locally, validate (deploy: the bundle)."""


@dashboards.command("preview")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (default reports/dashboards_preview.html).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Day the default date ranges count back from (default today, UTC).",
)
def preview_command(output: Path | None, as_of: dt.datetime | None) -> None:
    """Render every dashboard from the local DuckDB warehouse into one self-contained page."""
    paths = ProjectPaths.find()
    written = write_preview(
        paths.root, paths.duckdb, output or preview_path(paths), as_of.date() if as_of else None
    )
    click.echo(str(written))


@dashboards.command("validate")
def validate_command() -> None:
    """Check the dashboard specs, dashboard files and exposures; exit 2 on a problem."""
    problems = spec_problems(ProjectPaths.find().root)
    if problems:
        raise ConfigError("Invalid dashboards:\n  " + "\n  ".join(problems))
    click.echo("Dashboard specs, files and exposures are valid.")
