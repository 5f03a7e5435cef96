"""`lakehouse-bi cost estimate`: monthly cost per job (config/cost/jobs.yml, dbu_rates.yml)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
from rich.table import Table

from lakehouse_bi.ops.command import console
from lakehouse_bi.ops.cost import estimate, measured_minutes
from lakehouse_bi.pipeline.project import ProjectPaths

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("cost")
def cost() -> None:
    """Cost estimates of the project's scheduled jobs."""


@cost.command("estimate")
@click.option("--jobs", "jobs_file", type=_FILE, help="Jobs file. Default: config/cost/jobs.yml.")
@click.option(
    "--rates", "rates_file", type=_FILE, help="Rates. Default: config/cost/dbu_rates.yml."
)
@click.option(
    "--run-results",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A dbt run_results.json whose elapsed time replaces --job's runtime.",
)
@click.option("--job", "measured_job", help="The job --run-results measured.")
@click.option(
    "--volume-factor",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Scale the measured runtime (e.g. 50 when prod has 50x the measured data).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
def estimate_command(
    jobs_file: Path | None,
    rates_file: Path | None,
    run_results: Path | None,
    measured_job: str | None,
    volume_factor: float,
    as_json: bool,
) -> None:
    """Monthly DBU cost per job from its compute, runtime and frequency."""
    if (run_results is None) != (measured_job is None):
        raise click.UsageError("--run-results and --job go together.")
    root = ProjectPaths.find().root
    measured = None
    if run_results is not None and measured_job is not None:
        minutes = measured_minutes(run_results) * volume_factor
        measured = {measured_job: (minutes, f"measured {run_results.name} x {volume_factor:g}")}
    estimates, sources = estimate(
        jobs_file or root / "config/cost/jobs.yml",
        rates_file or root / "config/cost/dbu_rates.yml",
        measured,
    )
    total = round(sum(e.cost_per_month for e in estimates), 2)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "jobs": [asdict(e) for e in estimates],
                    "total_per_month": total,
                    "rates": sources,
                },
                indent=2,
            )
        )
        return
    table = Table(title="Monthly cost estimate (USD, Databricks list prices)")
    for column in (
        "job",
        "compute",
        "runtime min",
        "billed min",
        "runs/month",
        "DBU/month",
        "USD/run",
        "USD/month",
        "runtime from",
        "note",
    ):
        table.add_column(column)
    for e in estimates:
        table.add_row(
            e.job,
            e.compute,
            f"{e.runtime_minutes:g}",
            f"{e.billed_minutes:g}",
            f"{e.runs_per_month:g}",
            f"{e.dbu_per_month:,.1f}",
            f"{e.cost_per_run:,.2f}",
            f"{e.cost_per_month:,.2f}",
            e.runtime_source,
            e.note,
        )
    table.add_row("total", "", "", "", "", "", "", f"{total:,.2f}", "", "")
    out = console()
    out.print(table)
    for block, meta in sources.items():
        verified = "" if meta.get("verified") else " (not verified: replace with your prices)"
        out.print(f"{block}: {meta['source']} as of {meta['as_of']}{verified}")
