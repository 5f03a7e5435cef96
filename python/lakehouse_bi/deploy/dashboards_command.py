"""`lakehouse-bi dashboards deploy|preview|validate`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from lakehouse_bi.deploy.dashboard_checks import spec_problems
from lakehouse_bi.deploy.dashboards import (
    DEFAULT_RETRY_TIMEOUT_SECONDS,
    build_plan,
    default_parent_path,
    deploy,
    workspace_client,
)
from lakehouse_bi.deploy.preview import write_preview
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.pipeline.project import ProjectPaths


def preview_path(paths: ProjectPaths) -> Path:
    """Where the preview page goes by default: beside the Elementary report."""
    return paths.elementary_report.parent / "dashboards_preview.html"


@click.group("dashboards")
def dashboards() -> None:
    """Lakeview dashboards and SQL alerts: deploy to Databricks, preview locally, validate."""


@dashboards.command("deploy")
@click.option(
    "--target", "-t", required=True, help="dbt target to deploy for (dev, staging, prod)."
)
@click.option(
    "--warehouse-id",
    envvar=["DATABRICKS_WAREHOUSE_ID", "BUNDLE_VAR_warehouse_id"],
    show_envvar=True,
    help="SQL warehouse the dashboards, schedules and alerts run on (the bundle's "
    "warehouse_id variable when set).",
)
@click.option(
    "--parent-path",
    envvar="LAKEHOUSE_BI_DASHBOARDS_PATH",
    show_envvar=True,
    help="Workspace folder (default /Workspace/Shared/lakehouse-bi/<target>).",
)
@click.option(
    "--retry-timeout",
    type=click.IntRange(min=1),
    default=DEFAULT_RETRY_TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds the SDK keeps retrying 429/503 and connection errors.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan (REST calls included); send nothing.")
def deploy_command(
    target: str,
    warehouse_id: str | None,
    parent_path: str | None,
    retry_timeout: int,
    dry_run: bool,
) -> None:
    """Create or update the dashboards (by name), publish, set permissions, schedules,
    subscriptions and SQL alerts. Idempotent: run it after every change."""
    paths = ProjectPaths.find()
    problems = spec_problems(paths.root)
    if problems:
        raise ConfigError(
            "Invalid dashboard specs or files:\n  " + "\n  ".join(problems),
            "Fix them (docs/DATABRICKS.md, Dashboards and alerts), then deploy again.",
        )
    plan = build_plan(paths.root, target, parent_path or default_parent_path(target), warehouse_id)
    if dry_run:
        for line in plan.describe():
            click.echo(line)
        return
    try:
        client = workspace_client(retry_timeout)
    except ValueError as error:  # the SDK's "cannot configure default credentials"
        raise ConfigError(
            f"Cannot connect to a Databricks workspace: {error}",
            "Set DATABRICKS_HOST and DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and "
            "DATABRICKS_CLIENT_SECRET), or DATABRICKS_CONFIG_PROFILE; see .env.example.",
        ) from error
    report = deploy(client, plan)
    for line in report.lines:
        click.echo(line)


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
