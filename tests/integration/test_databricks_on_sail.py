"""The Databricks SQL runs, not just parses: the real dbt-databricks adapter on a Spark engine.

The small scenario plus 3 CDC batches, with dirty records of every class and re-delivered
files laid into them (dirty_landing.py), is landed one run at a time. Each run builds the
DuckDB target (`dbt build`, the local profile; data and unit tests after the last batch) and
the Databricks target: the real adapter
in-process, its connector replaced by the recording fake whose DDL, DML and data queries go
to a local Sail server (tests/databricks_harness/sail_backend.py, after the rewrite layer of
sail_rewrite.py), `read_files` mapped onto the landed files. Then every silver and gold
table must be row-for-row equal between the engines (money exact), and every data test must
report the same number of failing rows on both.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from dirty_landing import lay_dirty_records, redeliver_files, touched_keys
from local_pipeline import FIXED_END_DATE, LocalPipeline

from databricks_harness import FakeWarehouse, record_dbt
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile
from databricks_harness.sail_backend import SailBackend, sail_server

pytest.importorskip("pysail", reason="pysail is a [dev] dependency: pip install -e '.[dev]'")

PROJECT = Path(__file__).resolve().parents[2]
CATALOG, SCHEMA = "lakehouse_bi_ci", "ci"
ROWS, SEED, BATCHES = 1500, 17, 3
# Elementary's own models, what reads them and its anomaly tests (which read its metrics
# tables) are checked by the recorded-SQL test; here they would only add minutes of metadata
# statements. Sail has no metric views (its parser stops at CREATE VIEW ... WITH METRICS):
# the sales metric view is proved by tests/integration/test_metric_view_databricks.py
# (recorded SQL), test_metric_view_duckdb.py (numbers) and tests/unit/test_metric_view.py (its
# definition's Databricks SQL on Sail). The same selection runs on both engines.
EXCLUDE = [
    "--exclude", "package:elementary+", "test_name:column_anomalies",
    "test_name:freshness_anomalies", "test_name:schema_changes", "test_name:volume_anomalies",
    "config.materialized:metric_view",
]  # fmt: skip
QUIET_VARS = {
    "disable_run_results": True,
    "disable_tests_results": True,
    "disable_dbt_artifacts_autoupload": True,
    "disable_dbt_invocation_autoupload": True,
}
SKIP_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
# Columns whose values are when a run happened, not what it computed.
VOLATILE_COLUMNS = {"_ingested_at", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"}
# Differences between the engines that are not the project's SQL, each compared after the
# normalisation named here (every other column must be equal as is, money to the cent).
KNOWN_DIFFERENCES = {
    "is_hard_deleted": "dbt-core's snapshot writes dbt_is_deleted as the text 'True'/'False' "
    "on DuckDB, dbt-databricks as a boolean; every reader casts it to boolean "
    "(scd2_validity_columns, landed_entities): compared as booleans",
    "*_text": "a JSON number read into a text column: DuckDB's json_transform re-renders it "
    "as a double (0.00 -> '0.0'), the harness's PERMISSIVE reader keeps Spark's text (0.00); "
    "the typed column next to it is equal: compared as numbers when both are numbers",
    "_corrupt_record": "a record the reader parsed but that holds more than "
    "landing_max_record_chars: DuckDB keeps its line, Databricks the JSON of its fields "
    "(read_files keeps no raw line of a record it parsed): compared as 'over-long' when both "
    "are longer than the limit; every other corrupt record's text is compared as is",
}
MAX_RECORD_CHARS = 1_000_000  # dbt_project.yml vars.landing_max_record_chars
# Models built on one engine only (governance personas are DuckDB's stand-in for Unity
# Catalog principals), so their tests exist there only.
ONE_ENGINE_MODELS = ("governance_personas",)


@dataclass
class EngineRuns:
    duckdb: LocalPipeline
    warehouse: FakeWarehouse
    backend: SailBackend
    duckdb_results: list[dict]  # run_results.json of each DuckDB build
    databricks_results: list[dict]
    batches: list[str]
    files_read: list[list[tuple[str, dict[str, str], list[str]]]]  # per run, by read_files


def _batches(generated: Path) -> list[str]:
    return sorted({p.name.removeprefix("batch=") for p in generated.glob("*/batch=*")})


def _land(generated: Path, landing: Path, batch_id: str) -> None:
    """Copy one batch in, its files modified now (as a delivery would be, not at generation)."""
    for folder in sorted(generated.glob(f"*/batch={batch_id}")):
        landed = landing / folder.parent.name / folder.name
        shutil.copytree(folder, landed, dirs_exist_ok=True)
        for path in landed.iterdir():
            os.utime(path)
    shutil.copy(generated / "_manifest.json", landing / "_manifest.json")


@pytest.fixture(scope="module")
def engine_runs(tmp_path_factory) -> EngineRuns:
    root = tmp_path_factory.mktemp("sail")
    local = LocalPipeline(root / "duckdb")
    local.prepare(deps=False)
    generated = root / "generated"
    local.generate(ROWS, SEED, "--batches", str(BATCHES), "--end-date", FIXED_END_DATE,
                   output=generated)  # fmt: skip
    # Dirty input in the batches: every bad class at the start, middle and end of each
    # entity's first CDC file, and re-deliveries across runs and within one.
    lay_dirty_records(generated, _batches(generated)[1], touched_keys(generated))
    redeliver_files(generated, _batches(generated))
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema=SCHEMA, target="prod")
    vars_arg = ["--vars", json.dumps(QUIET_VARS)]
    duckdb_results, databricks_results, files_read = [], [], []
    with (
        sail_server(CATALOG, root / "sail_warehouse") as url,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
        patch.setenv("LAKEHOUSE_BI_LANDING_ROOT", str(local.landing))
        backend = SailBackend(url, root / "sail_warehouse")
        warehouse = FakeWarehouse(CATALOG, SCHEMA, backend=backend)
        batches = _batches(generated)
        for index, batch in enumerate(batches):
            _land(generated, local.landing, batch)
            already_read = len(backend.files_read)
            # Data and unit tests run after the last batch (on both engines); before, only
            # what they build, to keep the test's runtime modest.
            tests = [] if index == len(batches) - 1 else SKIP_TESTS
            local.dbt("build", *EXCLUDE, *tests, *vars_arg, check=False)
            duckdb_results.append(json.loads((local.target / "run_results.json").read_text()))
            record_dbt(
                project, profiles, ["build", *EXCLUDE, *tests, *vars_arg],
                warehouse=warehouse, label=f"run{index}", allow_failure=True,
                target_path=root / "dbx_target", log_path=root / "dbx_logs",
            )  # fmt: skip
            databricks_results.append(
                json.loads((root / "dbx_target" / "run_results.json").read_text())
            )
            files_read.append(backend.files_read[already_read:])
        runs = EngineRuns(
            local, warehouse, backend, duckdb_results, databricks_results, batches, files_read
        )
        yield runs
        backend.close()


def _statuses(run_results: dict) -> dict[str, tuple[str, int | None]]:
    return {r["unique_id"]: (r["status"], r.get("failures")) for r in run_results["results"]}


@pytest.mark.slow
def test_every_run_succeeds_on_both_engines(engine_runs):
    for index, (duck, dbx) in enumerate(
        zip(engine_runs.duckdb_results, engine_runs.databricks_results, strict=True)
    ):
        bad = {
            uid: (status, next(r["message"] for r in dbx["results"] if r["unique_id"] == uid))
            for uid, (status, _) in _statuses(dbx).items()
            if status in ("error", "skipped")
        }
        assert not bad, f"run {index} on Sail: {json.dumps(bad, indent=1)[:6000]}"
        assert not [u for u, (s, _) in _statuses(duck).items() if s in ("error", "skipped")]


@pytest.mark.slow
def test_data_tests_count_the_same_failures(engine_runs):
    """Real failure counts on Sail (the fake alone answers every test with 0 rows)."""
    for duck, dbx in zip(
        engine_runs.duckdb_results[-1:], engine_runs.databricks_results[-1:], strict=True
    ):
        duck_tests = {u: v for u, v in _statuses(duck).items() if u.startswith("test.")}
        dbx_tests = {u: v for u, v in _statuses(dbx).items() if u.startswith("test.")}
        one_sided = duck_tests.keys() ^ dbx_tests.keys()
        assert all(any(m in u for m in ONE_ENGINE_MODELS) for u in one_sided), one_sided
        common = duck_tests.keys() & dbx_tests.keys()
        assert len(common) > 150
        different = {
            u: (duck_tests[u], dbx_tests[u]) for u in common if duck_tests[u] != dbx_tests[u]
        }
        assert not different, json.dumps(different, indent=1)
    # The counts come from Sail: the test queries ran there (the fake alone answers 0).
    ran = [sql for sql, _ in engine_runs.backend.executed if "as failures" in sql.lower()]
    assert len(ran) >= len(common)


def _duckdb_tables(local: LocalPipeline) -> list[tuple[str, str]]:
    return local.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('silver', 'gold') and table_type = 'BASE TABLE' order by 1, 2"
    )


def _normalise(value: object, column: str = "") -> object:
    if column == "_corrupt_record" and isinstance(value, str) and len(value) > MAX_RECORD_CHARS:
        return "over-long"
    if column == "is_hard_deleted" and isinstance(value, str):
        return {"true": True, "false": False}.get(value.lower(), value)
    if column.endswith("_text") and isinstance(value, str):
        try:
            return decimal.Decimal(value).normalize()
        except decimal.InvalidOperation:
            return value
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, decimal.Decimal):
        return value.normalize() if value == value else value  # exact; 1.50 == 1.5
    return value


def _sorted_rows(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


@pytest.mark.slow
def test_silver_and_gold_tables_match_duckdb(engine_runs):
    tables = _duckdb_tables(engine_runs.duckdb)
    assert len(tables) > 10
    spark = engine_runs.backend.spark
    mismatches = []
    for schema, name in tables:
        columns = [
            c
            for (c,) in engine_runs.duckdb.query(
                "select column_name from information_schema.columns where table_schema = "
                f"'{schema}' and table_name = '{name}' order by ordinal_position"
            )
            if c not in VOLATILE_COLUMNS
        ]
        dbx_columns = [f.name for f in spark.table(f"{CATALOG}.{schema}.{name}").schema.fields]
        if [c.lower() for c in columns] != [
            c.lower() for c in dbx_columns if c not in VOLATILE_COLUMNS
        ]:
            mismatches.append(f"{schema}.{name}: columns {columns} vs {dbx_columns}")
            continue
        quoted = ", ".join(f'"{c}"' for c in columns)
        duck = _sorted_rows(
            [
                tuple(_normalise(v, c) for v, c in zip(r, columns, strict=True))
                for r in engine_runs.duckdb.query(f"select {quoted} from {schema}.{name}")
            ]
        )
        selected = ", ".join(f"`{c}`" for c in columns)
        dbx = _sorted_rows(
            [
                tuple(_normalise(v, c) for v, c in zip(r, columns, strict=True))
                for r in spark.sql(f"select {selected} from {CATALOG}.{schema}.{name}").collect()
            ]
        )
        if duck != dbx:
            extra = [r for r in dbx if r not in duck][:3]
            missing = [r for r in duck if r not in dbx][:3]
            mismatches.append(
                f"{schema}.{name}: {len(duck)} rows on DuckDB, {len(dbx)} on Sail; "
                f"only on Sail {extra}; only on DuckDB {missing}"
            )
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.slow
def test_incremental_runs_read_only_the_new_batch(engine_runs):
    """Databricks ingestion is incremental by file: after the initial load, read_files gets
    `modifiedAfter` and opens only the files of the batch just landed (never the history)."""
    first = engine_runs.files_read[0]
    assert first and all("modifiedafter" not in options for _, options, _ in first)
    for batch, reads in zip(engine_runs.batches[1:], engine_runs.files_read[1:], strict=True):
        assert reads, f"batch {batch}: no landing file was read"
        for path, options, files in reads:
            assert "modifiedafter" in options, path
            older = [f for f in files if f"/batch={batch}/" not in f]
            # An older file is read again only when bronze holds no record of it (a CSV with
            # just its header): bronze knows ingested files by their records.
            assert all(
                len([line for line in Path(f).read_text().splitlines() if line.strip()]) <= 1
                for f in older
            ), (batch, older)
            assert any(f"/batch={batch}/" in f for f in files), (batch, files)
    inserts = [
        s.body
        for s in engine_runs.warehouse.statements
        if s.invocation != "run0"
        and "read_files(" in s.body
        and "binaryFile" not in s.body
        and "describe query" not in s.body.lower()
    ]
    assert inserts and all("modifiedAfter =>" in body for body in inserts)
