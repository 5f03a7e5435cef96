"""After any sequence of CDC batches, every incremental table equals a full refresh.

Database 1 lands each batch and runs `dbt build` (models and snapshots). Database 2 lands
each batch and runs only the snapshots (with what they select from), then one
`dbt build --full-refresh` of everything else. Silver and gold must be row-for-row equal;
only ingestion timestamps (`_ingested_at`, when bronze read a file) differ by construction.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import landed_truth
import pytest
from local_pipeline import FIXED_END_DATE, LocalPipeline

BATCHES = 10
# Per-batch runs skip tests and Elementary's own models (checked once, at the end).
SKIP_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test", "package:elementary+"]
# Elementary's artifact uploads are not what these runs check; skipping them saves minutes.
QUIET_VARS = [
    "--vars",
    json.dumps(
        {
            "disable_run_results": True,
            "disable_tests_results": True,
            "disable_dbt_artifacts_autoupload": True,
            "disable_dbt_invocation_autoupload": True,
        }
    ),
]
SNAPSHOTS = ["+snap_customers", "+snap_products"]
VOLATILE_COLUMNS = {"_ingested_at"}


def _pipeline(root: Path) -> LocalPipeline:
    local = LocalPipeline(root)
    local.prepare(deps=False)
    return local


def land(generated: Path, landing: Path, batch_id: str) -> None:
    for folder in sorted(generated.glob(f"*/batch={batch_id}")):
        shutil.copytree(folder, landing / folder.parent.name / folder.name, dirs_exist_ok=True)
    shutil.copy(generated / "_manifest.json", landing / "_manifest.json")


def batch_ids(generated: Path) -> list[str]:
    return sorted({p.name.removeprefix("batch=") for p in generated.glob("*/batch=*")})


def compared_tables(pipeline: LocalPipeline) -> list[str]:
    rows = pipeline.query(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('silver', 'gold') and table_type = 'BASE TABLE' order by 1"
    )
    return [name for (name,) in rows]


def stable_rows(pipeline: LocalPipeline, table: str) -> list[tuple]:
    schema, name = table.split(".")
    columns = [
        column
        for (column,) in pipeline.query(
            "select column_name from information_schema.columns where table_schema = "
            f"'{schema}' and table_name = '{name}' order by ordinal_position"
        )
        if column not in VOLATILE_COLUMNS
    ]
    quoted = ", ".join(f'"{c}"' for c in columns)
    return pipeline.query(f"select {quoted} from {table} order by all")


# Runs that land two batches at once (a re-delivered file then arrives with its original).
TOGETHER = {3, 7}
# Batches that also receive a correction of some orders with an unchanged change time, in a
# second file (sorting after the batch's own): the later delivery must win.
TIE_BATCHES = {5, 9}


def add_tied_corrections(landing: Path, batch_id: str) -> int:
    """A second orders file in the batch re-sending its status updates with the same
    updated_at but status `cancelled`; returns how many it holds."""
    folder = landing / "orders" / f"batch={batch_id}"
    own = folder / f"orders_{batch_id}.jsonl"
    tied = []
    for line in own.read_text().splitlines():
        record = json.loads(line)
        if record.get("op") == "update" and len(tied) < 5:
            tied.append(json.dumps({**record, "status": "cancelled"}))
    (folder / f"orders_{batch_id}_tie.jsonl").write_text("\n".join(tied) + "\n")
    return len(tied)


def redeliver_within_run(landing: Path, earlier: str, later: str) -> None:
    """Copy the earlier batch's orders file into the later batch's folder (same name)."""
    original = landing / "orders" / f"batch={earlier}" / f"orders_{earlier}.jsonl"
    shutil.copy(original, landing / "orders" / f"batch={later}" / original.name)


@pytest.fixture(scope="module")
def cdc_runs(tmp_path_factory):
    """Both databases after the initial load and BATCHES daily CDC batches, with records
    older than any lookback (5-10 days late), re-delivered files (some landed in the same run
    as their original), and corrections sent with an unchanged change time."""
    root = tmp_path_factory.mktemp("cdc")
    generated = root / "generated"
    incremental, rebuilt = _pipeline(root / "incremental"), _pipeline(root / "rebuilt")
    incremental.run("lakehouse-bi", "deps")
    incremental.generate(
        2500, 11, "--batches", str(BATCHES), "--end-date", FIXED_END_DATE,
        "--too-late-rate", "0.05", "--redeliver-rate", "0.5", output=generated,
    )  # fmt: skip
    batches = batch_ids(generated)
    assert len(batches) == BATCHES + 1
    runs: list[list[str]] = []
    for index, batch in enumerate(batches):
        if index - 1 in TOGETHER:
            runs[-1].append(batch)
        else:
            runs.append([batch])
    for run in runs:
        for local in (incremental, rebuilt):
            for batch in run:
                land(generated, local.landing, batch)
                if int(batch[1:5]) in TIE_BATCHES:
                    assert add_tied_corrections(local.landing, batch) > 0
            if len(run) > 1:
                redeliver_within_run(local.landing, run[0], run[1])
        incremental.dbt("build", *SKIP_TESTS, *QUIET_VARS)
        rebuilt.dbt("build", "--select", *SNAPSHOTS, *SKIP_TESTS, *QUIET_VARS)
    rebuilt.dbt(
        "build", "--full-refresh", "--exclude", "snap_customers", "snap_products", *QUIET_VARS
    )
    manifest = json.loads((generated / "_manifest.json").read_text())
    return incremental, rebuilt, generated, manifest


def test_the_runs_hold_every_kind_of_late_and_repeated_delivery(cdc_runs):
    """The equivalence below is only worth something if the data holds the hard cases."""
    incremental, _, _, manifest = cdc_runs
    too_late = sum(b.get("changes", {}).get("orders", {}).get("too_late", 0)
                   for b in manifest["batches"])  # fmt: skip
    assert too_late > 0
    redelivered = incremental.query(
        "select count(distinct _source_file) from bronze.bronze_orders where _is_redelivered"
    )[0][0]
    assert redelivered >= len(TOGETHER)
    tied = incremental.query(
        "select count(*) from silver.fct_order where _source_file like '%_tie.jsonl'"
    )[0][0]
    assert tied > 0
    assert incremental.query(
        "select count(*) from silver.fct_order where _source_file like '%_tie.jsonl' "
        "and order_status != 'cancelled'"
    ) == [(0,)]


def test_every_silver_and_gold_table_equals_its_full_refresh(cdc_runs):
    incremental, rebuilt, _, _ = cdc_runs
    tables = compared_tables(incremental)
    assert tables == compared_tables(rebuilt)
    assert {"silver.fct_order", "gold.fct_sales", "gold.sales_dashboard_metrics"} <= set(tables)
    for table in tables:
        got, want = stable_rows(incremental, table), stable_rows(rebuilt, table)
        assert got == want, f"{table}: incremental differs from its full refresh"
        assert want or table.split(".")[1].startswith(("quarantine_", "late_")), table


def test_incremental_build_passes_every_test(cdc_runs):
    """The whole project, Elementary included, after the last batch: every test passes."""
    incremental, _, _, _ = cdc_runs
    incremental.dbt("build")


def test_gold_matches_the_landed_files_after_every_batch(cdc_runs):
    incremental, _, _, _ = cdc_runs
    expected = landed_truth.dashboard_metrics(incremental.landing)
    rows = incremental.query(
        "select metric_date, country_code, channel_code, category, revenue, orders, units, "
        "customers from gold.sales_dashboard_metrics"
    )
    actual = {tuple(r[:4]): (r[4], r[5], r[6], r[7]) for r in rows}
    assert actual.keys() == expected.keys()
    for key, truth in expected.items():
        assert actual[key] == (
            truth["revenue"],
            truth["orders"],
            truth["units"],
            truth["customers"],
        ), key
    assert sum(t["revenue"] for t in expected.values()) > Decimal("0")


def test_rerun_without_new_data_changes_nothing(cdc_runs):
    incremental, _, _, _ = cdc_runs
    before = {t: incremental.table(t) for t in compared_tables(incremental)}
    bronze_before = incremental.query("select count(*) from bronze.bronze_orders")
    incremental.dbt("build", *SKIP_TESTS, *QUIET_VARS)
    assert incremental.query("select count(*) from bronze.bronze_orders") == bronze_before
    for table, rows in before.items():
        assert incremental.table(table) == rows, f"{table} changed on a rerun"


def test_redelivered_file_is_counted_and_changes_nothing(cdc_runs):
    incremental, _, generated, _ = cdc_runs
    batches = batch_ids(generated)
    original = next((incremental.landing / "orders" / f"batch={batches[1]}").glob("*"))
    again = incremental.landing / "orders" / f"batch={batches[-1]}" / original.name
    shutil.copy(original, again)
    records = len(original.read_text().splitlines())
    before = {t: incremental.table(t) for t in compared_tables(incremental)}
    redelivered_before = incremental.query(
        "select redelivered from silver.record_conservation "
        f"where entity = 'orders' and _batch_id = '{batches[-1]}'"
    )[0][0]
    incremental.dbt("build", *SKIP_TESTS, *QUIET_VARS)
    again.unlink()
    copied = incremental.query(
        "select count(*), min(_is_redelivered::int) from bronze.bronze_orders "
        f"where _source_file = 'orders/batch={batches[-1]}/{original.name}'"
    )
    assert copied == [(records, 1)]
    assert incremental.query(
        "select redelivered, unaccounted from silver.record_conservation "
        f"where entity = 'orders' and _batch_id = '{batches[-1]}'"
    ) == [(redelivered_before + records, 0)]
    for table, rows in before.items():
        if table != "silver.record_conservation":
            assert incremental.table(table) == rows, f"{table} changed after a re-delivery"


def _generator_versions(generated: Path, entity: str, key: str) -> dict[int, list[dict]]:
    """Every version the generator delivered: the initial load file plus its change record."""
    versions: dict[int, list[dict]] = {}
    initial = next(generated.glob(f"{entity}/batch=b0000_*/*.csv"))
    with initial.open(newline="") as handle:
        for row in csv.DictReader(handle):
            versions.setdefault(int(row[key]), []).append(row)
    for line in (generated / "_changes.jsonl").read_text().splitlines():
        change = json.loads(line)
        if change["entity"] == entity and change["kind"] == "version":
            versions.setdefault(int(change["id"]), []).append(change["record"])
    return versions


def _expected_history(versions: dict[int, list[dict]]) -> list[tuple]:
    """(id, effective_from, effective_to, is_deleted, is_current) per version, in SCD2 terms."""
    rows = []
    for record_id, delivered in versions.items():
        ordered = sorted(delivered, key=lambda r: r["updated_at"])
        for index, record in enumerate(ordered):
            following = ordered[index + 1] if index + 1 < len(ordered) else None
            is_deleted = record["op"] == "delete"
            rows.append(
                (
                    record_id,
                    datetime.fromisoformat(record["updated_at"]),
                    datetime.fromisoformat(following["updated_at"]) if following else None,
                    is_deleted,
                    following is None and not is_deleted,
                )
            )
    return sorted(rows)


@pytest.mark.parametrize(
    ("entity", "key", "dimension"),
    [("customers", "customer_id", "dim_customer"), ("products", "product_id", "dim_product")],
)
def test_scd2_history_matches_the_generator_record(cdc_runs, entity, key, dimension):
    incremental, _, generated, _ = cdc_runs
    versions = _generator_versions(generated, entity, key)
    expected = _expected_history(versions)
    actual = sorted(
        incremental.query(
            f"select {key}, effective_from, effective_to, is_deleted, is_current "
            f"from silver.{dimension}"
        )
    )
    assert actual == expected
    changed = [v for v in versions.values() if len(v) > 1]
    assert changed, f"the generator changed no {entity}: the test would prove nothing"
