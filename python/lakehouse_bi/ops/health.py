"""Health checks of the pipeline against its SLAs, with the same SQL on DuckDB and Databricks:

- freshness of every source with an SLA in the manifest -- measured directly from the table
  when the source has a `loaded_at_field` (the audit log: last successful build), else the
  newest data `dbt source freshness` last recorded in Elementary (landing files), aged to now;
- the data-quality score: the share of passing tests in the latest invocation that ran tests
  (Elementary's test results), against a minimum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lakehouse_bi.identifiers import canonical_relation
from lakehouse_bi.ops.manifest import Manifest, SourceTable, format_age
from lakehouse_bi.ops.warehouse import Warehouse

STATUS_RANK = {"pass": 0, "warn": 1, "error": 2}
FRESHNESS_RESULTS = "model.elementary.dbt_source_freshness_results"
TEST_RESULTS = "model.elementary.elementary_test_results"
# Test outcomes that count towards the DQ score; `skipped` tests did not run.
DQ_OUTCOMES = ("pass", "warn", "fail", "error")


@dataclass(frozen=True)
class CheckResult:
    check: str
    subject: str
    status: str
    observed: str
    threshold: str
    detail: str = ""

    @property
    def breached(self) -> bool:
        return self.status != "pass"


def to_utc(value: Any) -> dt.datetime | None:
    """A warehouse timestamp (datetime or ISO string, naive meaning UTC) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _freshness_result(
    check: str, table: SourceTable, newest: dt.datetime, now: dt.datetime, detail: str
) -> CheckResult:
    age = now - newest
    # Future timestamps (clock skew, generated sample data) are as fresh as it gets.
    when = "after now" if age.total_seconds() < 0 else f"{format_age(age)} old"
    return CheckResult(
        check=check,
        subject=table.name,
        status=table.sla.status(age),
        observed=f"{when} ({newest:%Y-%m-%d %H:%M})",
        threshold=table.sla.describe(),
        detail=detail,
    )


def check_measured_freshness(
    warehouse: Warehouse, table: SourceTable, check: str, now: dt.datetime
) -> CheckResult:
    """`select max(loaded_at_field) ... where filter`: what `dbt source freshness` runs."""
    where = f" where {table.sla.filter}" if table.sla.filter else ""
    relation = canonical_relation(table.relation_name, warehouse.engine, f"source {table.name}")
    rows = warehouse.query(f"select max({table.loaded_at_field}) from {relation}{where}")
    newest = to_utc(rows[0][0]) if rows else None
    detail = "rows matching the SLA filter" if table.sla.filter else ""
    if newest is None:
        return CheckResult(check, table.name, "error", "no rows", table.sla.describe(), detail)
    return _freshness_result(check, table, newest, now, detail)


def recorded_freshness(warehouse: Warehouse, relation: str) -> dict[str, tuple]:
    """Latest `dbt source freshness` result per source: (max_loaded_at, status, error, at).
    ConfigError (no statement run) when `relation` is not a table name."""
    relation = canonical_relation(relation, warehouse.engine, "source freshness relation")
    rows = warehouse.query(
        "select unique_id, max_loaded_at, status, error, generated_at from ("
        " select unique_id, max_loaded_at, status, error, generated_at,"
        " row_number() over (partition by unique_id order by created_at desc) as recency"
        f" from {relation}"
        ") as ranked where recency = 1"
    )
    return {row[0]: row[1:] for row in rows}


def check_recorded_freshness(
    table: SourceTable, recorded: dict[str, tuple], now: dt.datetime
) -> CheckResult:
    if table.unique_id not in recorded:
        return CheckResult(
            "source freshness",
            table.name,
            "error",
            "never checked",
            table.sla.describe(),
            "run `dbt source freshness`",
        )
    max_loaded_at, status, error, checked_at = recorded[table.unique_id]
    newest = to_utc(max_loaded_at)
    if newest is None or status == "runtime error":
        return CheckResult(
            "source freshness",
            table.name,
            "error",
            "last check failed",
            table.sla.describe(),
            str(error or status),
        )
    checked = to_utc(checked_at)
    detail = f"checked {checked:%Y-%m-%d %H:%M}" if checked else ""
    return _freshness_result("source freshness", table, newest, now, detail)


def check_dq_score(warehouse: Warehouse, relation: str, minimum: float) -> CheckResult:
    relation = canonical_relation(relation, warehouse.engine, "elementary_test_results relation")
    rows = warehouse.query(
        f"select status, count(*) from {relation} where invocation_id = ("
        f" select invocation_id from {relation} order by detected_at desc limit 1"
        ") group by status"
    )
    counts = {str(status).lower(): int(count) for status, count in rows}
    total = sum(counts.get(outcome, 0) for outcome in DQ_OUTCOMES)
    threshold = f"error < {minimum:.0%}"
    if total == 0:
        return CheckResult(
            "dq score",
            "latest tests",
            "error",
            "no test results",
            threshold,
            "run `dbt build` or `dbt test`",
        )
    passed = counts.get("pass", 0)
    score = passed / total
    failing = ", ".join(
        f"{counts[outcome]} {outcome}" for outcome in DQ_OUTCOMES[1:] if counts.get(outcome)
    )
    return CheckResult(
        check="dq score",
        subject="latest tests",
        status="pass" if score >= minimum else "error",
        observed=f"{score:.1%} ({passed}/{total} passed)",
        threshold=threshold,
        detail=failing,
    )


def _query_failed(check: str, subject: str, error: Exception) -> CheckResult:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return CheckResult(check, subject, "error", "query failed", "", reason[:200])


def run_health_checks(
    warehouse: Warehouse,
    manifest: Manifest,
    min_dq_score: float,
    now: dt.datetime | None = None,
) -> list[CheckResult]:
    """Every check, each judged on its own: a check whose query fails (a table not built yet,
    a revoked grant) is reported as an error row instead of hiding the other checks. The
    engines raise different exception types, hence the broad catches."""
    now = now or dt.datetime.now(dt.timezone.utc)
    results = []
    sources = manifest.freshness_sources()
    tests_relation = manifest.relation(TEST_RESULTS)  # a missing node is a ConfigError
    recorded: dict[str, tuple] | Exception = {}
    if any(not table.loaded_at_field for table in sources):
        freshness_relation = manifest.relation(FRESHNESS_RESULTS)
        try:
            recorded = recorded_freshness(warehouse, freshness_relation)
        except Exception as error:
            recorded = error
    for table in sources:
        if table.loaded_at_field:
            try:
                results.append(check_measured_freshness(warehouse, table, table.health_label, now))
            except Exception as error:
                results.append(_query_failed(table.health_label, table.name, error))
        elif isinstance(recorded, Exception):
            results.append(_query_failed("source freshness", table.name, recorded))
        else:
            results.append(check_recorded_freshness(table, recorded, now))
    try:
        results.append(check_dq_score(warehouse, tests_relation, min_dq_score))
    except Exception as error:
        results.append(_query_failed("dq score", "latest tests", error))
    return results
