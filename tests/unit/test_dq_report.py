"""`lakehouse-bi dq report`: a run date against a baseline from dq_scores / dq_metrics,
regressions by threshold, table and JSON output, exit 3 with --fail-on-regression."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner
from ops_support import make_project, model_node, write_manifest

from lakehouse_bi.cli import main

SCORES = [
    # table, run_date, rows_in, quarantine_rate, tests_run, tests_failed, tests_warned, dq_score
    ("fct_order", "2026-11-27", 1000, 0.010, 10, 0, 0, 99.0),
    ("fct_order", "2026-11-28", 1000, 0.012, 10, 0, 0, 98.8),
    ("fct_order", "2026-11-29", 1000, 0.050, 10, 1, 0, 85.5),
    ("dim_customer", "2026-11-28", 200, 0.0, 5, 0, 0, 100.0),
    ("dim_customer", "2026-11-29", 200, 0.0, 5, 0, 0, 100.0),
    ("fct_web_event", "2026-11-29", 500, 0.0, 3, 0, 0, 100.0),
]
METRICS = [
    ("fct_order", "2026-11-28", "quarantine_check", "null_key", None, 12, 0.012, None, None),
    ("fct_order", "2026-11-29", "quarantine_check", "null_key", None, 50, 0.05, None, None),
    ("fct_order", "2026-11-29", "dbt_test", "not_null", "order_id", None, None, 1, 7),
    ("dim_customer", "2026-11-28", "dbt_test", "unique", "customer_id", None, None, 0, 0),
    ("dim_customer", "2026-11-29", "dbt_test", "unique", "customer_id", None, None, 0, 0),
]


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        duck.execute("create schema observability")
        duck.execute(
            "create table observability.dq_scores (table_name varchar, run_date date, "
            "rows_in bigint, quarantine_rate double, tests_run bigint, tests_failed bigint, "
            "tests_warned bigint, dq_score double)"
        )
        duck.executemany(
            "insert into observability.dq_scores values (?, ?, ?, ?, ?, ?, ?, ?)", SCORES
        )
        duck.execute(
            "create table observability.dq_metrics (table_name varchar, run_date date, "
            "check_type varchar, check_name varchar, column_name varchar, "
            "rows_quarantined bigint, quarantine_rate double, tests_failed bigint, "
            "failed_rows bigint)"
        )
        duck.executemany(
            "insert into observability.dq_metrics values (?, ?, ?, ?, ?, ?, ?, ?, ?)", METRICS
        )
    write_manifest(
        root / "target/manifest.json",
        "duckdb",
        [
            model_node("dq_scores", "observability", {}, materialized="view"),
            model_node("dq_metrics", "observability", {}, materialized="view"),
        ],
    )
    return root


def _report(*args: str):
    return CliRunner().invoke(main, ["dq", "report", *args])


def test_latest_run_against_the_one_before(project):
    result = _report("--json", "--out", str(project / "dq.json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert json.loads((project / "dq.json").read_text()) == data
    assert (data["run_date"], data["baseline_date"]) == ("2026-11-29", "2026-11-28")
    assert data["regressed"] == ["fct_order"]
    tables = {t["table_name"]: t for t in data["tables"]}
    order = tables["fct_order"]
    assert order["score_change"] == pytest.approx(85.5 - 98.8)
    assert order["reasons"] == [
        "dq_score 98.8 -> 85.5",
        "quarantine rate 1.20% -> 5.00%",
        "failed tests 0 -> 1",
    ]
    assert tables["dim_customer"]["regressed"] is False
    assert tables["fct_web_event"]["baseline"] is None  # new that day
    changed = {(c["table_name"], c["check_name"]) for c in data["changed_checks"]}
    assert changed == {("fct_order", "null_key"), ("fct_order", "not_null")}


def test_explicit_dates_and_thresholds(project):
    result = _report("--run-date", "2026-11-28", "--baseline-date", "2026-11-27", "--json")
    data = json.loads(result.output)
    assert data["regressed"] == []  # -0.2 points, +0.2 pt quarantine: within 1.0 / 0.01
    strict = json.loads(
        _report(
            "--run-date",
            "2026-11-28",
            "--baseline-date",
            "2026-11-27",
            "--max-score-drop",
            "0.1",
            "--json",
        ).output
    )
    assert strict["regressed"] == ["fct_order"]


def test_fail_on_regression_exits_3_with_a_table(project):
    result = _report("--fail-on-regression")
    assert result.exit_code == 3
    assert "REGRESSED" in result.output
    assert "DQ regressed on 1 table(s) since 2026-11-28: fct_order" in result.output
    assert "lakehouse-bi dq report" in result.output  # DataQualityError's default hint


def test_unknown_dates_are_clear(project):
    missing = _report("--run-date", "2026-01-01")
    assert missing.exit_code == 2
    assert "No DQ metrics for run date 2026-01-01" in missing.output
    assert "2026-11-29, 2026-11-28, 2026-11-27" in missing.output
    first = _report("--run-date", "2026-11-27")
    assert first.exit_code == 2
    assert "No run before 2026-11-27" in first.output
