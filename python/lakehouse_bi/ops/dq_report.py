"""`dq report`: the data-quality metrics of one run date against a baseline run date, per
table, from the observability models `dq_scores` (score, quarantine rate, tests) and
`dq_metrics` (each check). A run date is the day records were ingested or tests ran.

A table regresses when its DQ score fell by more than `max_score_drop` points, or its
quarantine rate rose by more than `max_quarantine_rise` (absolute), or it failed more tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import Warehouse

SCORES = "dq_scores"
METRICS = "dq_metrics"
SCORE_COLUMNS = (
    "dq_score",
    "quarantine_rate",
    "rows_in",
    "tests_run",
    "tests_failed",
    "tests_warned",
)


@dataclass(frozen=True)
class TableComparison:
    table_name: str
    run: dict[str, Any] | None  # SCORE_COLUMNS of the run (None: table absent that day)
    baseline: dict[str, Any] | None
    score_change: float | None
    regressed: bool
    reasons: list[str]


def model_relation(manifest: Manifest, name: str) -> str:
    """Relation of the project's model `name` (a ConfigError when it is not in the manifest)."""
    return manifest.relation(f"model.{manifest.project_name}.{name}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def run_dates(warehouse: Warehouse, scores: str) -> list[dt.date]:
    """Every run date in dq_scores, newest first."""
    return [
        _date(row[0])
        for row in warehouse.query(f"select distinct run_date from {scores} order by run_date desc")
    ]


def choose_dates(
    dates: list[dt.date], run: dt.date | None, baseline: dt.date | None
) -> tuple[dt.date, dt.date]:
    """Default run: the newest date; default baseline: the newest date before the run."""
    if not dates:
        raise ConfigError("dq_scores is empty: no run to report on.", "Run `dbt build` first.")
    listed = ", ".join(str(d) for d in dates[:10])
    run = run or dates[0]
    if run not in dates:
        raise ConfigError(f"No DQ metrics for run date {run}.", f"Recent run dates: {listed}.")
    if baseline is None:
        earlier = [d for d in dates if d < run]
        if not earlier:
            raise ConfigError(
                f"No run before {run} to compare with.",
                "Pass --baseline-date, or report again after the next day's run.",
            )
        baseline = earlier[0]
    elif baseline not in dates:
        raise ConfigError(f"No DQ metrics for baseline {baseline}.", f"Recent run dates: {listed}.")
    return run, baseline


def _scores(warehouse: Warehouse, scores: str, day: dt.date) -> dict[str, dict[str, Any]]:
    rows = warehouse.records(
        f"select table_name, {', '.join(SCORE_COLUMNS)} from {scores} "
        f"where run_date = cast('{day.isoformat()}' as date)"
    )
    return {
        str(row["table_name"]): {
            key: (float(row[key]) if row[key] is not None else None) for key in SCORE_COLUMNS
        }
        for row in rows
    }


def compare(
    run: dict[str, dict[str, Any]],
    baseline: dict[str, dict[str, Any]],
    max_score_drop: float = 1.0,
    max_quarantine_rise: float = 0.01,
) -> list[TableComparison]:
    """Per table (union of both days), what changed and whether it regressed."""
    out = []
    for table in sorted(set(run) | set(baseline)):
        now, before = run.get(table), baseline.get(table)
        reasons = []
        change = None
        if now and before:
            if now["dq_score"] is not None and before["dq_score"] is not None:
                change = round(now["dq_score"] - before["dq_score"], 2)
                if -change > max_score_drop:
                    reasons.append(f"dq_score {before['dq_score']:g} -> {now['dq_score']:g}")
            rate_now, rate_before = now["quarantine_rate"], before["quarantine_rate"]
            if (
                rate_now is not None
                and rate_before is not None
                and rate_now - rate_before > max_quarantine_rise
            ):
                reasons.append(f"quarantine rate {rate_before:.2%} -> {rate_now:.2%}")
            if (now["tests_failed"] or 0) > (before["tests_failed"] or 0):
                reasons.append(
                    f"failed tests {before['tests_failed'] or 0:g} -> {now['tests_failed']:g}"
                )
        out.append(TableComparison(table, now, before, change, bool(reasons), reasons))
    return out


def changed_checks(
    warehouse: Warehouse, metrics: str, run: dt.date, baseline: dt.date
) -> list[dict[str, Any]]:
    """dq_metrics checks whose quarantined rows or failing tests differ between the days."""

    def day(value: dt.date) -> dict[tuple, dict[str, Any]]:
        rows = warehouse.records(
            "select table_name, check_type, check_name, column_name, rows_quarantined, "
            f"quarantine_rate, tests_failed, failed_rows from {metrics} "
            f"where run_date = cast('{value.isoformat()}' as date)"
        )
        return {
            (r["table_name"], r["check_type"], r["check_name"], r["column_name"]): r for r in rows
        }

    now, before = day(run), day(baseline)
    changed = []
    for key in sorted(set(now) | set(before), key=lambda k: tuple(str(p) for p in k)):
        a, b = now.get(key) or {}, before.get(key) or {}
        fields = ("rows_quarantined", "tests_failed", "failed_rows")
        if any((a.get(f) or 0) != (b.get(f) or 0) for f in fields):
            changed.append(
                {
                    "table_name": key[0],
                    "check_type": key[1],
                    "check_name": key[2],
                    "column_name": key[3],
                    **{f"{f}_run": a.get(f) for f in fields},
                    **{f"{f}_baseline": b.get(f) for f in fields},
                }
            )
    return changed


def build_report(
    warehouse: Warehouse,
    manifest: Manifest,
    run: dt.date | None = None,
    baseline: dt.date | None = None,
    max_score_drop: float = 1.0,
    max_quarantine_rise: float = 0.01,
) -> dict[str, Any]:
    """The whole report as JSON-ready data: dates, per-table comparisons, changed checks."""
    scores = model_relation(manifest, SCORES)
    metrics = model_relation(manifest, METRICS)
    run, baseline = choose_dates(run_dates(warehouse, scores), run, baseline)
    tables = compare(
        _scores(warehouse, scores, run),
        _scores(warehouse, scores, baseline),
        max_score_drop,
        max_quarantine_rise,
    )
    return {
        "run_date": run.isoformat(),
        "baseline_date": baseline.isoformat(),
        "thresholds": {
            "max_score_drop": max_score_drop,
            "max_quarantine_rise": max_quarantine_rise,
        },
        "regressed": [t.table_name for t in tables if t.regressed],
        "tables": [asdict(t) for t in tables],
        "changed_checks": changed_checks(warehouse, metrics, run, baseline),
    }
