"""The same full build on DuckDB and on a local Spark engine (Sail), side by side.

    python bench/bench_spark.py [--scenario medium] [--rows N]

Generates one scenario, then runs `dbt build` without tests (seeds, snapshots, models;
Elementary's package left out on both) on the DuckDB target and on the Databricks target
through the real dbt-databricks adapter, its connector routed to a local Sail server by the
recording harness (tests/databricks_harness/sail_backend.py). Prints, per layer (bronze,
silver, gold), the rows the layer's tables hold, the seconds its models took (dbt's per-node
execution times) and rows per second on each engine, then the wall time of each build.

A laptop Spark engine is not Databricks: Sail runs in-process on this machine's cores,
reaches it through Spark Connect and Arrow, and the harness adds Python work per statement
(recording, the rewrite layer, reading landing files). The ratio says how the SQL behaves on a
Spark-dialect engine at this scale, not what a warehouse would cost or take.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))

from databricks_harness import FakeWarehouse, record_dbt  # noqa: E402
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile  # noqa: E402
from databricks_harness.sail_backend import SailBackend, sail_server  # noqa: E402

BIN = Path(sys.executable).parent
END_DATE = "2025-12-31"
CATALOG = "lakehouse_bi_bench"
LAYERS = ("bronze", "silver", "gold")
SELECTION = [
    "--exclude", "resource_type:test", "resource_type:unit_test", "package:elementary+",
]  # fmt: skip
QUIET_VARS = json.dumps(
    {
        "disable_run_results": True,
        "disable_tests_results": True,
        "disable_dbt_artifacts_autoupload": True,
        "disable_dbt_invocation_autoupload": True,
    }
)


def seconds_by_layer(target: Path) -> dict[str, float]:
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    totals: dict[str, float] = collections.defaultdict(float)
    for result in json.loads((target / "run_results.json").read_text())["results"]:
        node = nodes.get(result["unique_id"])
        if node is None:
            continue
        folder = node["original_file_path"].split("/")
        layer = next((layer for layer in LAYERS if layer in folder), None)
        if layer:
            totals[layer] += result["execution_time"]
    return totals


def rows_by_layer(target: Path, count) -> dict[str, int]:
    """Rows held by each layer's tables; `count(schema, name)` asks the engine."""
    manifest = json.loads((target / "manifest.json").read_text())
    totals: dict[str, int] = collections.defaultdict(int)
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "snapshot"):
            continue
        if node["config"].get("materialized") not in ("table", "incremental", "snapshot"):
            continue
        folder = node["original_file_path"].split("/")
        layer = next((layer for layer in LAYERS if layer in folder), None)
        if layer:
            totals[layer] += count(node["schema"], node["alias"] or node["name"])
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--rows", type=int, help="orders (default: the scenario's)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_spark_"))
    landing = root / "landing"
    generate = [str(BIN / "lakehouse-bi"), "generate", "--scenario", args.scenario,
                "--end-date", END_DATE, "--output", str(landing), "--force", "--quiet"]  # fmt: skip
    if args.rows:
        generate += ["--rows", str(args.rows)]
    subprocess.run(generate, check=True, cwd=PROJECT)
    (root / "profiles.yml").write_text((PROJECT / "profiles.yml.example").read_text())
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET": "local",
        "LAKEHOUSE_BI_LANDING_ROOT": str(landing),
        "LAKEHOUSE_BI_DUCKDB_PATH": str(root / "bench.duckdb"),
    }
    duck_target = root / "duck_target"
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "dbt"), "build", *SELECTION, "--vars", QUIET_VARS, "--profiles-dir", str(root),
         "--target-path", str(duck_target), "--log-path", str(root / "duck_logs")],
        check=True, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    duck_wall = time.perf_counter() - started
    with duckdb.connect(str(root / "bench.duckdb"), read_only=True) as con:
        duck_rows = rows_by_layer(
            duck_target, lambda s, n: con.execute(f'select count(*) from "{s}"."{n}"').fetchone()[0]
        )
    duck_seconds = seconds_by_layer(duck_target)

    project = copy_project(PROJECT, root / "project")
    write_profile(root / "dbx_profiles", "lakehouse_bi", catalog=CATALOG, schema="bench")
    os.environ[TOKEN_ENV_VAR] = "dapi-bench-fake-token"
    os.environ["LAKEHOUSE_BI_LANDING_ROOT"] = str(landing)
    dbx_target = root / "dbx_target"
    with sail_server(CATALOG, root / "sail_warehouse") as url:
        backend = SailBackend(url, root / "sail_warehouse")
        warehouse = FakeWarehouse(CATALOG, "bench", backend=backend)
        started = time.perf_counter()
        record_dbt(
            project, root / "dbx_profiles", ["build", *SELECTION, "--vars", QUIET_VARS],
            warehouse=warehouse, label="bench", target_path=dbx_target,
            log_path=root / "dbx_logs",
        )  # fmt: skip
        sail_wall = time.perf_counter() - started
        sail_rows = rows_by_layer(
            dbx_target,
            lambda s, n: backend.spark.sql(f"select count(*) from {CATALOG}.{s}.{n}").collect()[0][
                0
            ],
        )
    sail_seconds = seconds_by_layer(dbx_target)

    print(f"scenario {args.scenario}" + (f", {args.rows} orders" if args.rows else ""))
    print(f"{'layer':8} {'rows':>10} {'DuckDB s':>9} {'rows/s':>10} {'Sail s':>9} {'rows/s':>10}"
          f" {'Sail/DuckDB':>11}")  # fmt: skip
    for layer in LAYERS:
        rows = duck_rows[layer]
        assert rows == sail_rows[layer], (
            f"{layer}: {rows} rows on DuckDB, {sail_rows[layer]} on Sail"
        )
        d, s = duck_seconds[layer], sail_seconds[layer]
        print(f"{layer:8} {rows:>10} {d:>9.1f} {rows / d:>10.0f} {s:>9.1f} {rows / s:>10.0f}"
              f" {s / d:>10.1f}x")  # fmt: skip
    print(f"wall: DuckDB {duck_wall:.0f} s, Sail {sail_wall:.0f} s ({sail_wall / duck_wall:.1f}x)")


if __name__ == "__main__":
    main()
