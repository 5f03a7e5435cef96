"""`lakehouse-bi health`: the pipeline's SLAs and DQ score as a table; non-zero exit on a breach."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lakehouse_bi.errors import LakehouseBIError
from lakehouse_bi.logging_setup import timed
from lakehouse_bi.ops.alerts import notify_webhooks
from lakehouse_bi.ops.health import STATUS_RANK, CheckResult, run_health_checks
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import connect_for
from lakehouse_bi.pipeline.project import ProjectPaths

logger = logging.getLogger(__name__)
_STYLE = {"pass": "green", "warn": "yellow", "error": "bold red"}
_NEXT_STEP = {
    "source freshness": "Stale source: check its upstream delivery, then rerun "
    "`dbt source freshness`.",
    "last successful run": "No recent successful build: see "
    "observability.audit_dbt_invocations and the job's run history.",
    "dq score": "Failing tests: open the Elementary report (`edr report`) or "
    "observability.pipeline_health.",
}


class SlaBreachedError(LakehouseBIError):
    """A health check is at or above the failing status."""


def _table(results: list[CheckResult], engine: str) -> Table:
    table = Table(title=f"Pipeline health ({engine}, times UTC)")
    for column in ("check", "subject", "status", "observed", "threshold", "detail"):
        table.add_column(column)
    for result in results:
        style = _STYLE[result.status]
        table.add_row(
            result.check,
            result.subject,
            f"[{style}]{result.status.upper()}[/]",
            result.observed,
            result.threshold,
            result.detail,
        )
    return table


@click.command("health")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="dbt manifest of the target to check. Default: <dbt target path>/manifest.json.",
)
@click.option(
    "--min-dq-score",
    type=click.FloatRange(0, 1),
    default=0.95,
    show_default=True,
    envvar="LAKEHOUSE_BI_MIN_DQ_SCORE",
    show_envvar=True,
    help="Lowest acceptable share of passing tests in the latest test run.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warn"]),
    default="error",
    show_default=True,
    help="The lowest check status that makes the exit code non-zero.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON lines.")
@click.option(
    "--notify",
    is_flag=True,
    help="On a breach, also post it to SLACK_WEBHOOK / TEAMS_WEBHOOK (retried; a dead "
    "webhook is a warning).",
)
def health(
    manifest_path: Path | None, min_dq_score: float, fail_on: str, as_json: bool, notify: bool
) -> None:
    """Check freshness SLAs (sources, last successful run) and the DQ score.

    Thresholds come from the sources' `freshness` in the dbt project (read from the
    manifest); the engine is the manifest's adapter: the local DuckDB file, or a Databricks
    SQL warehouse from DATABRICKS_HOST / DATABRICKS_HTTP_PATH and a token or service principal.
    """
    paths = ProjectPaths.find()
    manifest = Manifest.load(manifest_path or paths.target / "manifest.json")
    with timed(logger, "health check", engine=manifest.adapter_type) as fields:
        with connect_for(manifest.adapter_type, paths.duckdb) as warehouse:
            results = run_health_checks(warehouse, manifest, min_dq_score)
        breached = [r for r in results if STATUS_RANK[r.status] >= STATUS_RANK[fail_on]]
        fields.update(checks=len(results), breached=len(breached))

    if as_json:
        for result in results:
            click.echo(json.dumps(asdict(result)))
    else:
        console = Console()
        if not console.is_terminal:  # logs and CI: do not squeeze the table into 80 columns
            console = Console(width=max(console.width, 140))
        console.print(_table(results, manifest.adapter_type))
    if breached:
        names = ", ".join(f"{r.check} {r.subject} ({r.status})" for r in breached)
        hints = dict.fromkeys(_NEXT_STEP[r.check] for r in breached if r.check in _NEXT_STEP)
        if notify:
            notify_webhooks(
                f"lakehouse-bi health ({manifest.adapter_type}): {len(breached)} check(s) "
                f"breached: {names}. " + " ".join(hints)
            )
        raise SlaBreachedError(
            f"{len(breached)} health check(s) breached: {names}.", " ".join(hints) or None
        )
