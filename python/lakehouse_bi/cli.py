"""Command-line entry point: `lakehouse-bi <command>`; each command lives in its own module."""

from __future__ import annotations

import logging
import sys

import click

from lakehouse_bi.datagen.command import generate
from lakehouse_bi.deps.command import deps
from lakehouse_bi.errors import LakehouseBIError
from lakehouse_bi.pipeline.demo import demo


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
def main(verbose: bool) -> None:
    """lakehouse-bi: sample data, dbt packages and the demo pipeline around the dbt project."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


main.add_command(deps)
main.add_command(demo)
main.add_command(generate)
