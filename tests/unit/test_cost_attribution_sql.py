"""The attribution statement (python/lakehouse_bi/ops/sql/cost_per_model.sql) offline.

- Parsed by sqlfluff's databricks dialect, the `:name` markers filled by its placeholder
  templater (what the statement execution API substitutes).
- Executed on DuckDB over small tables shaped like system.billing.usage, list_prices and
  system.query.history (columns and nesting of the Databricks docs pages cited in
  docs/OBSERVABILITY.md). Two rewrites, both mechanical: sqlglot transpiles the Databricks
  dialect to DuckDB's, and the catalog `system` (a reserved name in DuckDB) is attached as
  `system_tables`. The expected spend per model is computed by hand below from the fixture's
  numbers, not by the statement.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlfluff.core import FluffConfig, Linter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness.system_tables import duckdb_statement, system_tables_duckdb
from lakehouse_bi.ops.cost_actual import Window, attribution_sql, statement_parameters

UTC = dt.timezone.utc
SKU = "PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST"
WINDOW = Window(dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 3, 2, tzinfo=UTC))


def _usage(record: str, warehouse: str, hour: int, quantity: str, kind: str = "ORIGINAL"):
    start = (
        dt.datetime(2026, 3, 1, hour, tzinfo=UTC)
        if hour >= 0
        else WINDOW.start + dt.timedelta(hours=hour)
    )
    return (
        record, "acc", "w1", SKU, "AWS", start, start + dt.timedelta(hours=1), start.date(),
        {"budget": "bi"}, "DBU", Decimal(quantity),
        {"cluster_id": None, "job_id": None, "warehouse_id": warehouse, "job_run_id": None},
        kind, "SQL", {"is_serverless": True, "sql_tier": "PREMIUM"},
    )  # fmt: skip


def _at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 3, 1, hour, minute, tzinfo=UTC)


def _statement(sid, warehouse, start, end, tags, source_run=None):
    return (
        "acc", "w1", sid, "FINISHED",
        {"type": "WAREHOUSE", "cluster_id": None, "warehouse_id": warehouse},
        "svc-principal", "select 1", start, end,
        None if end is None else int((end - start).total_seconds() * 1000),
        {"job_info": {"job_id": "5", "job_run_id": source_run, "job_task_run_id": None},
         "dashboard_id": None},
        tags,
    )  # fmt: skip


def _tags(target, layer, model, materialized, run):
    """The tags the profiles, dbt_project.yml and the adapter give a statement."""
    tags = {"project": "lakehouse_bi", "target": target, "job_id": "5", "task_run_id": "9"}
    if run:
        tags["job_run_id"] = run
    if model:
        tags.update({"layer": layer, "@@dbt_model_name": model, "@@dbt_materialized": materialized})
    return tags


# Billing, warehouse wh1 (the project's). Window A 10:00-11:00: 3.0 DBU retracted and restated
# as 2.4 DBU. Window B 11:00-12:00: 2.0 DBU. Window C 12:00-13:00: 1.0 DBU, nothing ran (idle).
# Warehouse wh2 ran only another workload: left out. A wh1 window of the day before: outside.
USAGE = [
    _usage("a1", "wh1", 10, "3.0"),
    _usage("a2", "wh1", 10, "-3.0", "RETRACTION"),
    _usage("a3", "wh1", 10, "2.4", "RESTATEMENT"),
    _usage("b1", "wh1", 11, "2.0"),
    _usage("c1", "wh1", 12, "1.0"),
    _usage("d1", "wh2", 10, "5.0"),
    _usage("e1", "wh1", -3, "7.0"),
]
# Effective list price 0.70 until 12:00, 0.80 from then on (`default` differs on purpose: the
# statement prices at effective_list).
PRICES = [
    (dt.datetime(2026, 1, 1, tzinfo=UTC), _at(12, 0), "acc", SKU, "AWS", "USD", "DBU",
     {"default": Decimal("0.75"), "promotional": {"default": Decimal("0.70")},
      "effective_list": {"default": Decimal("0.70")}}),
    (_at(12, 0), None, "acc", SKU, "AWS", "USD", "DBU",
     {"default": Decimal("0.80"), "promotional": {"default": None},
      "effective_list": {"default": Decimal("0.80")}}),
]  # fmt: skip


def fct_sales_run(run: str) -> dict:
    return _tags("prod", "gold", "fct_sales", "table", run)


def dim_customer_run(run: str) -> dict:
    return _tags("prod", "silver", "dim_customer", "table", run)


HISTORY = [
    # s1 fct_sales, run 77: 30 min of A.
    _statement("s1", "wh1", _at(10, 0), _at(10, 30), fct_sales_run("77")),
    # s2 a run hook of run 77 (no model; the run id only in query_source): 10 min of A.
    _statement("s2", "wh1", _at(10, 30), _at(10, 40), _tags("prod", None, None, None, None), "77"),
    # s3 another workload, untagged: 20 min of A.
    _statement("s3", "wh1", _at(10, 40), _at(11, 0), None),
    # s4 dim_customer, run 77, across two windows: 15 min of A and 15 min of B.
    _statement("s4", "wh1", _at(10, 45), _at(11, 15), dim_customer_run("77")),
    # s5 fct_sales again, run 78: 15 min of B.
    _statement("s5", "wh1", _at(11, 15), _at(11, 30), fct_sales_run("78")),
    # s6 a dev run of stg_x: 30 min of B.
    _statement("s6", "wh1", _at(11, 30), _at(12, 0), _tags("dev", "silver", "stg_x", "view", "90")),
    # Still running (no end_time): not counted. On wh2: another warehouse's workload.
    _statement("s7", "wh1", _at(12, 10), None, _tags("prod", "gold", "fct_sales", "table", "79")),
    _statement("s8", "wh2", _at(10, 0), _at(10, 30), None),
]  # fmt: skip
# By hand. A: 2.4 DBU x 0.70 = 1.68, busy 30 + 10 + 20 + 15 = 75 min: s1 30/75 -> 0.96 DBU
# 0.672; s2 10/75 -> 0.32 DBU 0.224; s3 20/75 -> 0.64 DBU 0.448; s4 15/75 -> 0.48 DBU 0.336.
# B: 2.0 DBU x 0.70 = 1.40, busy 15 + 15 + 30 = 60 min: s4 and s5 -> 0.5 DBU 0.35 each; s6 ->
# 1.0 DBU 0.70. C: 1.0 DBU x 0.80 = 0.80 idle. Total 1.68 + 1.40 + 0.80 = 3.88.
D = Decimal
ALL_RUNS = {
    ("prod", "gold", "fct_sales", "table"): (2, 2_700_000, D("1.46"), D("1.022")),
    ("prod", None, None, None): (1, 600_000, D("0.32"), D("0.224")),
    ("prod", "silver", "dim_customer", "table"): (1, 1_800_000, D("0.98"), D("0.686")),
    ("dev", "silver", "stg_x", "view"): (1, 1_800_000, D("1.0"), D("0.70")),
}
IDLE = (0, 0, D("1.0"), D("0.80"))


@pytest.fixture(scope="module")
def system_tables() -> duckdb.DuckDBPyConnection:
    con = system_tables_duckdb()
    con.executemany(
        f"insert into system_tables.billing.usage values ({', '.join('?' * 15)})", USAGE
    )
    con.executemany(
        f"insert into system_tables.billing.list_prices values ({', '.join('?' * 8)})", PRICES
    )
    con.executemany(
        f"insert into system_tables.query.history values ({', '.join('?' * 12)})", HISTORY
    )
    return con


def attribute(con, target: str = "", job_run_id: str = "") -> dict:
    params = {}
    for p in statement_parameters(WINDOW, "lakehouse_bi", target, job_run_id):
        is_time = p.type == "TIMESTAMP"
        params[p.name] = dt.datetime.fromisoformat(p.value) if is_time else p.value
    cursor = con.execute(duckdb_statement(attribution_sql()), params)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    result: dict = {"model": {}, "other_workloads": None, "idle": None}
    for row in rows:
        values = (row["statements"], row["busy_ms"], row["dbus"], row["list_cost"])
        if row["row_kind"] == "model":
            key = (row["target"], row["layer"], row["model"], row["materialized"])
            result["model"][key] = values
        else:
            result[row["row_kind"]] = values
        assert row["currency_code"] == "USD"
    return result


def test_spend_per_model_over_every_run(system_tables):
    result = attribute(system_tables)
    assert result["model"] == ALL_RUNS
    assert result["other_workloads"] == (1, 1_200_000, D("0.64"), D("0.448"))  # s3
    assert result["idle"] == IDLE
    spent = sum(v[3] for v in ALL_RUNS.values()) + D("0.448") + IDLE[3]
    assert spent == D("3.88")  # every billed cent of wh1 in the window, once


def test_a_target_leaves_the_other_targets_with_other_workloads(system_tables):
    result = attribute(system_tables, target="prod")
    assert result["model"] == {k: v for k, v in ALL_RUNS.items() if k[0] == "prod"}
    # s3 + s6: 0.64 + 1.0 DBU, 0.448 + 0.70
    assert result["other_workloads"] == (2, 3_000_000, D("1.64"), D("1.148"))


def test_a_job_run_keeps_its_statements_tagged_or_from_query_source(system_tables):
    result = attribute(system_tables, job_run_id="77")
    assert result["model"] == {
        ("prod", "gold", "fct_sales", "table"): (1, 1_800_000, D("0.96"), D("0.672")),
        ("prod", None, None, None): (1, 600_000, D("0.32"), D("0.224")),  # run id from query_source
        ("prod", "silver", "dim_customer", "table"): (1, 1_800_000, D("0.98"), D("0.686")),
    }  # fmt: skip
    # s3, s5, s6: 0.448 + 0.35 + 0.70
    assert result["other_workloads"] == (3, 3_900_000, D("2.14"), D("1.498"))
    assert result["idle"] == IDLE


def test_nothing_of_the_project_in_the_window_gives_no_rows(system_tables):
    assert attribute(system_tables, target="staging") == {
        "model": {}, "other_workloads": None, "idle": None,
    }  # fmt: skip


def test_the_parameters_are_the_statements_markers():
    markers = set(re.findall(r"(?<![:\w]):([a-z_]+)\b", attribution_sql()))
    names = {p.name for p in statement_parameters(WINDOW, "lakehouse_bi")}
    assert markers == names


def test_sqlfluff_databricks_dialect_parses_the_statement():
    config = FluffConfig(
        configs={
            "core": {"dialect": "databricks", "templater": "placeholder"},
            "templater": {
                "placeholder": {
                    "param_style": "colon",
                    "window_start": "timestamp '2026-03-01 00:00:00'",
                    "window_end": "timestamp '2026-03-02 00:00:00'",
                    "project": "'lakehouse_bi'",
                    "target": "''",
                    "job_run_id": "''",
                }
            },
        },
        ignore_local_config=True,
    )
    parsed = Linter(config=config).parse_string(attribution_sql())
    assert not parsed.violations, [v.desc() for v in parsed.violations]
    assert parsed.tree is not None
    assert not list(parsed.tree.recursive_crawl("unparsable"))
    tables = {
        ".".join(part.raw for part in ref.segments if part.is_code and part.raw != ".")
        for ref in parsed.tree.recursive_crawl("table_reference")
    }
    assert {"system.billing.usage", "system.billing.list_prices", "system.query.history"} <= tables
