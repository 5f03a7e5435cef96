"""`lakehouse-bi health` exits non-zero on a stale source and on a DQ score below its
threshold, and zero when everything is within its SLAs."""

from __future__ import annotations

import json

import duckdb
import pytest


def _health(observed, *args: str):
    return observed.run("lakehouse-bi", "health", "--json", *args, check=False)


def _statuses(completed) -> dict[str, str]:
    results = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    return {f"{r['check']}|{r['subject']}": r["status"] for r in results}


@pytest.fixture
def fresh(observed):
    """Each test starts from a passing freshness check of the fresh landing data."""
    observed.freshness_against(observed.landing)
    return observed


def test_health_passes_when_within_slas(fresh):
    completed = _health(fresh)
    statuses = _statuses(completed)
    assert completed.returncode == 0, completed.stderr
    assert statuses["last successful run|audit.dbt_invocation_log"] == "pass"
    assert statuses["source freshness|landing.orders"] == "pass"
    assert statuses["dq score|latest tests"] == "pass"
    assert set(statuses.values()) == {"pass"}


def test_health_fails_on_a_stale_source(fresh):
    fresh.freshness_against(fresh.stale_landing)
    completed = _health(fresh)
    statuses = _statuses(completed)
    assert completed.returncode == 1
    assert statuses["source freshness|landing.orders"] == "error"
    assert statuses["source freshness|landing.web_events"] == "error"
    # Master data is judged by file delivery: the stale files were written just now.
    assert statuses["source freshness|landing.customers"] == "pass"
    assert "landing.orders" in completed.stderr


def test_health_fails_on_a_low_dq_score(fresh):
    # A negative revenue breaks the mart's `revenue >= 0` rule: one failing test.
    with duckdb.connect(str(fresh.database)) as connection:
        connection.execute(
            "update gold.sales_dashboard_metrics set revenue = -1 "
            "where metric_date = (select min(metric_date) from gold.sales_dashboard_metrics)"
        )
    try:
        fresh.dbt("test", "-s", "sales_dashboard_metrics", check=False)
        failing = _health(fresh)
        lenient = _health(fresh, "--min-dq-score", "0.5")
    finally:
        fresh.dbt("build", "-s", "sales_dashboard_metrics", "--full-refresh")
    assert failing.returncode == 1
    assert _statuses(failing)["dq score|latest tests"] == "error"
    assert "dq score" in failing.stderr
    assert lenient.returncode == 0
    assert _health(fresh).returncode == 0  # the rebuild's tests pass again
