"""The fake Databricks warehouse (tests/databricks_harness) types date_part() results as
Databricks does -- INT, DECIMAL(8,6) for seconds -- so dbt's contract check of a model built
from dbt_date's calendar macros compares against the real types, not `string`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness.catalog import Catalog, Session
from databricks_harness.query_engine import QueryEngine


def _columns(sql: str) -> list[tuple[str, str]] | None:
    return QueryEngine(Catalog("cat", "sch")).output_columns(sql, Session("cat", "sch"))


def test_date_part_results_are_typed_as_databricks_types_them():
    sql = (
        "with days as (select date_part('day', current_date()) as day_of_month,"
        " date_part('DAYOFWEEK_ISO', current_date()) as day_of_week_iso,"
        " date_part('second', current_timestamp()) as seconds)"
        " select day_of_month, day_of_week_iso, seconds from days"
    )
    assert _columns(sql) == [
        ("day_of_month", "int"),
        ("day_of_week_iso", "int"),
        ("seconds", "decimal(8,6)"),
    ]


def test_other_anonymous_functions_stay_untyped():
    # A function sqlglot does not know keeps the fake's `string` answer (no guessing).
    assert _columns("select some_udf(1) as x") == [("x", "string")]
