"""The retention policy on DuckDB: the deletes are real, VACUUM a logged no-op, and bronze
never ingests an expired file again (vars.retention_policy, packages/lakehouse/macros/delta/)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from local_pipeline import FIXED_END_DATE, LocalPipeline

GOLD_DAYS, BRONZE_DAYS = 1095, 90  # the seed's policy (dbt_project.yml vars.retention_policy)
NO_TESTS = ("--exclude", "resource_type:test", "resource_type:unit_test")


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> LocalPipeline:
    """Two batches landed and built once; bronze's first batch made to look 200 days old."""
    pipeline = LocalPipeline(tmp_path_factory.mktemp("retention"))
    pipeline.prepare()
    pipeline.generate(300, 11, "--batches", "2", "--end-date", FIXED_END_DATE)
    pipeline.dbt("build", *NO_TESTS)
    return pipeline


def _run_operation(local: LocalPipeline, name: str, args: dict, check: bool = True):
    return local.dbt("run-operation", name, "--args", json.dumps(args), check=check)


def _write(local: LocalPipeline, sql: str) -> None:
    import duckdb

    with duckdb.connect(str(local.database)) as connection:
        connection.execute(sql)


def test_gold_rows_older_than_the_policy_are_deleted_and_the_rest_kept(local):
    before = local.query("select order_line_id, order_date from gold.fct_sales")
    dates = sorted({d for _, d in before})
    assert len(dates) > 2
    cutoff = dates[len(dates) // 2]  # half the days expire
    as_of = cutoff + dt.timedelta(days=GOLD_DAYS)
    expired = {line for line, day in before if day < cutoff}
    kept = {line for line, day in before if day >= cutoff}
    assert expired and kept

    dry = _run_operation(
        local,
        "apply_retention_policy",
        {"dry_run": True, "as_of": str(as_of), "tables": ["fct_sales"]},
    )
    assert (
        f'"gold"."fct_sales": {len(expired)} rows with order_date before {cutoff} '
        f"(vars.retention_policy.gold.retention_days: {GOLD_DAYS} days) to delete (dry run)"
    ) in dry.stdout
    assert len(local.query("select 1 from gold.fct_sales")) == len(before)  # dry run: unchanged

    done = _run_operation(
        local, "apply_retention_policy", {"as_of": str(as_of), "tables": ["fct_sales"]}
    )
    assert f'"gold"."fct_sales": {len(expired)} rows with order_date before {cutoff}' in done.stdout
    assert "VACUUM" in done.stdout and "no-op" in done.stdout  # logged, nothing runs on DuckDB
    after = local.query("select order_line_id from gold.fct_sales")
    assert {line for (line,) in after} == kept
    assert len(after) == len(kept)


def test_expired_bronze_files_are_deleted_and_never_ingested_again(local):
    batches = [
        b for (b,) in local.query("select distinct _batch_id from bronze.bronze_orders order by 1")
    ]
    assert len(batches) >= 2
    old, kept = batches[0], batches[1:]  # the initial load expires, the CDC batches stay
    _write(
        local,
        "update bronze.bronze_orders set _ingested_at = _ingested_at - interval 200 days "
        f"where _batch_id = '{old}'",
    )
    counts = dict(local.query("select _batch_id, count(*) from bronze.bronze_orders group by 1"))
    files = {
        f
        for (f,) in local.query(
            f"select distinct _source_file from bronze.bronze_orders where _batch_id = '{old}'"
        )
    }

    done = _run_operation(local, "apply_retention_policy", {"tables": ["bronze_orders"]})
    assert f'"bronze"."bronze_orders": {counts[old]} rows with _ingested_at before' in done.stdout
    assert dict(local.query("select _batch_id, count(*) from bronze.bronze_orders group by 1")) == {
        batch: counts[batch] for batch in kept
    }
    ledger = local.query(
        "select model_name, source_file, retention_days from observability.retention_expired_files"
    )
    assert sorted(ledger) == sorted(("bronze_orders", f, BRONZE_DAYS) for f in files)

    # The expired files are still in the landing zone: the next run must not load them again.
    local.dbt("run", "-s", "bronze_orders")
    assert dict(local.query("select _batch_id, count(*) from bronze.bronze_orders group by 1")) == {
        batch: counts[batch] for batch in kept
    }


def test_vacuum_below_168_hours_is_refused_naming_table_and_setting(local):
    policy = {
        "bronze": {"retention_days": 90, "vacuum_retain_hours": 100,
                   "tables": {"bronze_orders": {"column": "_ingested_at"}}},
    }  # fmt: skip
    before = local.query("select count(*) from bronze.bronze_orders")
    result = local.dbt(
        "run-operation", "run_table_maintenance",
        "--args", json.dumps({"tables": ["bronze_orders"]}),
        "--vars", json.dumps({"retention_policy": policy}), check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert (
        'VACUUM of "' in result.stdout
        and '"bronze"."bronze_orders" refused: RETAIN 100 HOURS '
        "(from vars.retention_policy.bronze.vacuum_retain_hours) is below Delta's safety "
        "threshold of 168 hours"
        in result.stdout
    ), result.stdout[-3000:]
    assert local.query("select count(*) from bronze.bronze_orders") == before


def test_maintenance_decisions_are_logged_per_table(local):
    done = _run_operation(local, "run_table_maintenance", {"dry_run": True})
    lines = [
        line for line in done.stdout.splitlines() if "maintenance " in line and "(dry run)" in line
    ]
    by_table = {line.split("maintenance ", 1)[1].split(":", 1)[0]: line for line in lines}
    fct_sales = next(v for k, v in by_table.items() if k.endswith('"fct_sales"'))
    # local: no predictive optimization, managed; clustered tables are optimized by the adapter
    assert (
        "managed, predictive optimization off, clustering (order_date, country_code), "
        "optimize after_build, vacuum retain 720 hours (dry run)"
    ) in fct_sales
    bronze = next(v for k, v in by_table.items() if k.endswith('"bronze_orders"'))
    assert "clustering none, optimize maintenance, vacuum retain 168 hours" in bronze
    # A table (it carries the country row filter), maintained like fct_sales; a view is not.
    overlay = next(v for k, v in by_table.items() if k.endswith('"sales_with_current_customer"'))
    assert "clustering (order_date, country_code), optimize after_build" in overlay
    assert not any(k.endswith('"executive_summary"') for k in by_table)  # a view
