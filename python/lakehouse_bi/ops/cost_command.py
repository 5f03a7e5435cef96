"""`lakehouse-bi cost estimate`: monthly cost per job (config/cost/jobs.yml, dbu_rates.yml);
`lakehouse-bi cost actual`: spend per dbt model from the system tables of a workspace
(lakehouse_bi.ops.cost_actual), the estimate when no workspace is configured."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lakehouse_bi.ops import cost_actual
from lakehouse_bi.ops.command import console
from lakehouse_bi.ops.cost import estimate, measured_minutes
from lakehouse_bi.ops.workspace import workspace_client
from lakehouse_bi.pipeline.project import ProjectPaths

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("cost")
def cost() -> None:
    """Cost of the project: estimate per job, actual spend per model (system tables)."""


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
    print_estimate(estimates, sources, as_json)


def print_estimate(estimates: list, sources: dict, as_json: bool) -> None:
    """The estimate as a rich table (or JSON) with the rates' sources."""
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


def _model_label(row: cost_actual.CostRow) -> str:
    return row.model or "(run hooks)"


@cost.command("actual")
@click.option(
    "--days", type=click.IntRange(min=1), default=30, show_default=True,
    help="Usage windows of the last N days (up to the current hour, UTC).",
)  # fmt: skip
@click.option("--project", default="lakehouse_bi", show_default=True, help="The `project` tag.")
@click.option("--target", "dbt_target", default="", help="Only statements tagged this target.")
@click.option("--job-run-id", default="", help="Only statements of this job run.")
@click.option(
    "--run-results",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A dbt task's run_results.json: its job run id, target and hours set the scope.",
)
@click.option(
    "--warehouse-id",
    help=f"Warehouse that runs the query. Default: {cost_actual.WAREHOUSE_ID_ENV}, else the id "
    "in DATABRICKS_HTTP_PATH.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file to write. Default: target/cost_actual.json.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the JSON instead of the table.")
def actual_command(
    days: int,
    project: str,
    dbt_target: str,
    job_run_id: str,
    run_results: Path | None,
    warehouse_id: str | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Actual spend per dbt model from system.billing.usage, list_prices and query history.

    Needs a workspace (DATABRICKS_HOST and a token or service principal) and a SQL warehouse;
    without DATABRICKS_HOST it says so and shows the offline estimate instead."""
    root = ProjectPaths.find().root
    out = out or root / "target" / "cost_actual.json"
    env = os.environ
    if not cost_actual.workspace_configured(env):
        Console(stderr=True).print(
            "No Databricks workspace configured (DATABRICKS_HOST is not set): actual spend "
            "comes from the system tables of a workspace. Showing the offline estimate "
            "(config/cost/) instead.",
            style="yellow",
        )
        estimates, sources = estimate(
            root / "config/cost/jobs.yml", root / "config/cost/dbu_rates.yml"
        )
        print_estimate(estimates, sources, as_json)
        return
    window = cost_actual.Window.last_days(days)
    if run_results is not None:
        if job_run_id:
            raise click.UsageError("--run-results and --job-run-id exclude each other.")
        job_run_id, window, results_target = cost_actual.run_results_scope(run_results)
        dbt_target = dbt_target or results_target or ""
    warehouse = cost_actual.warehouse_id_from(env, warehouse_id)
    client = workspace_client(env)
    attribution = cost_actual.fetch_attribution(
        client, warehouse, window, project, dbt_target, job_run_id
    )
    payload = attribution.to_json()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    print_attribution(attribution, out)


def print_attribution(attribution: cost_actual.Attribution, out: Path) -> None:
    """The spend per model as a rich table, then the other workloads, idle time and totals."""
    models = sorted(attribution.of_kind("model"), key=lambda r: r.list_cost, reverse=True)
    currency = next((r.currency_code for r in attribution.rows if r.currency_code), "USD")
    scope = ", ".join(
        part
        for part in (
            f"project {attribution.project}",
            f"target {attribution.target}" if attribution.target else "",
            f"job run {attribution.job_run_id}" if attribution.job_run_id else "",
        )
        if part
    )
    table = Table(
        title=f"Actual spend per model ({currency}, list prices), {scope}, "
        f"{attribution.window.start:%Y-%m-%d %H:%M} to {attribution.window.end:%Y-%m-%d %H:%M} UTC"
    )
    for column in ("model", "layer", "target", "materialized", "statements", "busy s", "DBU"):
        table.add_column(
            column, justify="right" if column in ("statements", "busy s", "DBU") else "left"
        )
    table.add_column(currency, justify="right")
    for row in models:
        table.add_row(
            _model_label(row), row.layer or "", row.target or "", row.materialized or "",
            str(row.statements), f"{row.busy_ms / 1000:,.1f}", f"{row.dbus:,.3f}",
            f"{row.list_cost:,.2f}",
        )  # fmt: skip
    output = console()
    output.print(table)
    for label, kind in (
        ("project total", "model"),
        ("other workloads on the same warehouses", "other_workloads"),
        ("idle (billed, nothing running)", "idle"),
    ):
        output.print(f"{label}: {attribution.total(kind):,.2f} {currency}")
    output.print(f"Written to {out} (statement {attribution.statement_id}).")
