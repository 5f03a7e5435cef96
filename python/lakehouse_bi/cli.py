"""Command-line entry point: `lakehouse-bi <command>`; each command lives in its own module."""

from __future__ import annotations

import sys

import click

from lakehouse_bi.ci.command import data_validation
from lakehouse_bi.datagen.command import generate
from lakehouse_bi.datagen.land import land
from lakehouse_bi.deploy.dashboards_command import dashboards
from lakehouse_bi.deploy.jobs_command import jobs
from lakehouse_bi.deps.command import deps
from lakehouse_bi.errors import LakehouseBIError
from lakehouse_bi.glossary.command import glossary
from lakehouse_bi.governance.command import validate
from lakehouse_bi.lineage.command import lineage
from lakehouse_bi.lineage.openlineage_command import openlineage
from lakehouse_bi.logging_setup import LOG_FORMAT_ENV, LOG_FORMATS, configure_logging
from lakehouse_bi.ops.alerts import alert
from lakehouse_bi.ops.command import ops
from lakehouse_bi.ops.cost_command import cost
from lakehouse_bi.ops.dq_command import dq
from lakehouse_bi.ops.health_command import health
from lakehouse_bi.pipeline.demo import demo
from lakehouse_bi.schema.command import schema
from lakehouse_bi.spec.models_command import models


class _Group(click.Group):
    """Turns project errors into a clear message and exit code instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LakehouseBIError as error:
            click.secho(f"Error: {error}", fg="red", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    show_default=True,
    envvar=LOG_FORMAT_ENV,
    show_envvar=True,
    help="Log lines on stderr: readable text, or one JSON object a line for machines.",
)
def main(verbose: bool, log_format: str) -> None:
    """lakehouse-bi: sample data, dbt packages and the demo pipeline around the dbt project."""
    configure_logging(log_format, verbose=verbose)


main.add_command(deps)
main.add_command(demo)
main.add_command(generate)
main.add_command(land)
main.add_command(health)
main.add_command(alert)
main.add_command(lineage)
main.add_command(validate)
main.add_command(schema)
main.add_command(ops)
main.add_command(cost)
main.add_command(dq)
main.add_command(dashboards)
main.add_command(jobs)
main.add_command(glossary)
main.add_command(openlineage)
main.add_command(data_validation)
main.add_command(models)
