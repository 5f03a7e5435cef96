"""`lakehouse-bi dq report`: DQ metrics of a run date against a baseline, table and JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from rich.table import Table

from lakehouse_bi.errors import DataQualityError
from lakehouse_bi.ops.command import _context, console, manifest_option, target_option
from lakehouse_bi.ops.dq_report import build_report
from lakehouse_bi.ops.target import connect_target

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _fmt(value, pattern: str = "{:g}") -> str:
    return "" if value is None else pattern.format(value)


@click.group("dq")
def dq() -> None:
    """Data-quality reports."""


@dq.command("report")
@target_option
@manifest_option
@click.option("--run-date", type=_DATE, help="Run date to report. Default: the newest.")
@click.option("--baseline-date", type=_DATE, help="Baseline run date. Default: the one before.")
@click.option(
    "--max-score-drop", type=float, default=1.0, show_default=True, help="DQ score points."
)
@click.option(
    "--max-quarantine-rise",
    type=float,
    default=0.01,
    show_default=True,
    help="Absolute, 0.01 = 1 pt.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON here."
)
@click.option("--fail-on-regression", is_flag=True, help="Exit 3 when a table regressed.")
def report(
    target: str,
    manifest_path: Path | None,
    run_date: dt.datetime | None,
    baseline_date: dt.datetime | None,
    max_score_drop: float,
    max_quarantine_rise: float,
    as_json: bool,
    out: Path | None,
    fail_on_regression: bool,
) -> None:
    """Compare one run's DQ scores and checks with a baseline run (observability.dq_scores,
    dq_metrics)."""
    paths, engine, manifest = _context(target, manifest_path)
    with connect_target(engine, paths) as warehouse:
        data = build_report(
            warehouse,
            manifest,
            run_date.date() if run_date else None,
            baseline_date.date() if baseline_date else None,
            max_score_drop,
            max_quarantine_rise,
        )
    text = json.dumps(data, indent=2, default=str)
    if out:
        out.write_text(text + "\n")
    if as_json:
        click.echo(text)
    else:
        table = Table(title=f"DQ {data['run_date']} vs baseline {data['baseline_date']}")
        for column in (
            "table",
            "dq score",
            "baseline",
            "change",
            "quarantine",
            "failed tests",
            "status",
        ):
            table.add_column(column)
        for t in data["tables"]:
            run, base = t["run"] or {}, t["baseline"] or {}
            status = "[bold red]REGRESSED[/] " + "; ".join(t["reasons"]) if t["regressed"] else "ok"
            if not t["run"]:
                status = "absent in run"
            elif not t["baseline"]:
                status = "new"
            table.add_row(
                t["table_name"],
                _fmt(run.get("dq_score")),
                _fmt(base.get("dq_score")),
                _fmt(t["score_change"], "{:+g}"),
                _fmt(run.get("quarantine_rate"), "{:.2%}"),
                _fmt(run.get("tests_failed")),
                status,
            )
        screen = console()
        screen.print(table)
        screen.print(f"{len(data['changed_checks'])} check(s) changed; --json lists them.")
    if fail_on_regression and data["regressed"]:
        raise DataQualityError(
            f"DQ regressed on {len(data['regressed'])} table(s) since {data['baseline_date']}: "
            + ", ".join(data["regressed"])
        )
