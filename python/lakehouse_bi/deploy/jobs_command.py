"""`lakehouse-bi jobs`: the bundle's job definitions, offline."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from lakehouse_bi.deploy.jobs_render import render_resources
from lakehouse_bi.errors import ConfigError


def _parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(
                f"--var '{pair}' is not name=value.", hint="e.g. --var warehouse_id=abc123"
            )
        overrides[name] = value
    return overrides


@click.group()
def jobs() -> None:
    """The Databricks bundle's resources (jobs, dashboards, alerts), without a workspace."""


@jobs.command()
@click.option(
    "--target", "-t", required=True, help="Bundle target: dev, staging or prod (databricks.yml)."
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a bundle variable like `databricks bundle deploy --var` (or BUNDLE_VAR_<name>).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "yaml"]),
    default="json",
    show_default=True,
)
@click.option(
    "--project-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder holding databricks.yml and dbt_project.yml.",
)
def render(target: str, variables: tuple[str, ...], output_format: str, project_dir: Path) -> None:
    """Print the resolved jobs, SQL warehouse, dashboards and alerts a deploy of TARGET creates.

    Runs the bundle's Python resources and the target's run_as, permissions and development
    mode offline; what only the workspace knows stays as ${...} and is listed as unresolved.
    """
    rendered = render_resources(project_dir, target, _parse_vars(variables))
    if output_format == "json":
        click.echo(json.dumps(rendered, indent=2))
    else:
        click.echo(yaml.safe_dump(rendered, sort_keys=False, width=100))
