"""Incremental build after a ~1 % batch vs. a full refresh of the same data, side by side.

    python bench/bench_incremental.py [--scenario medium] [--keep DIR]

1. generate the scenario with three CDC batches (new orders, status updates, corrections,
   deletes, late records, dimension changes);
2. land the initial load and build models and snapshots;
3. land batch 1, time the incremental build of models and snapshots, then a full refresh of
   the same data (also summing the models' execution times: the part that scales with data);
   land batch 2 and do the same without Elementary's package models; land batch 3 and do the
   same with every test included (`dbt build`);
4. print the ratios (target: incremental / full refresh <= 0.15) and rows written per model
   from dbt's run results. DuckDB does not report rows scanned per statement to dbt, so the
   scan side is shown by the recompute windows the gold models chose (from the dbt log).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A fixed window (the generator's default ends today): the same data, and comparable timings,
# on every day.
END_DATE = "2025-12-31"
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
# The pipeline's own nodes: Elementary's package models (its artifact tables) are created
# once; their per-run upload happens in its on-run-end hook, which stays in.
PIPELINE_ONLY = [*NO_TESTS, "package:elementary"]


def land(generated: Path, landing: Path, batch_id: str) -> None:
    """Copy one batch's folders (every entity) into the landing root."""
    for folder in sorted(generated.glob(f"*/batch={batch_id}")):
        shutil.copytree(folder, landing / folder.parent.name / folder.name, dirs_exist_ok=True)


def timed_dbt(work: Path, env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "dbt"), *args, "--profiles-dir", str(work), "--quiet"],
        cwd=PROJECT,
        env=env,
        check=True,
    )
    return time.perf_counter() - started


def rows_written(work: Path) -> dict[str, int]:
    results = json.loads((work / "target/run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[-1]: (r.get("adapter_response") or {}).get("rows_affected", -1)
        for r in results
        if r["unique_id"].startswith(("model.lakehouse_bi", "snapshot.lakehouse_bi"))
    }


def engine_seconds(work: Path) -> float:
    """Execution time summed over the project's models and snapshots: the work that scales
    with data, without dbt's start-up, hooks and scheduling."""
    results = json.loads((work / "target/run_results.json").read_text())["results"]
    return sum(
        r["execution_time"]
        for r in results
        if r["unique_id"].startswith(("model.lakehouse_bi", "snapshot.lakehouse_bi"))
    )


def slowest(work: Path, count: int = 12) -> list[tuple[str, float]]:
    results = json.loads((work / "target/run_results.json").read_text())["results"]
    timings = [(r["unique_id"].split(".")[-1], r["execution_time"]) for r in results]
    return sorted(timings, key=lambda item: -item[1])[:count]


def recompute_windows(work: Path) -> list[str]:
    log = (work / "logs/dbt.log").read_text(errors="replace")
    return sorted(set(re.findall(r"order_date in \(([^)]{0,120})", log)))[:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--keep", type=Path, help="Work folder to keep (default: a temp folder).")
    parser.add_argument(
        "--models-only",
        action="store_true",
        help="Time only the first pair (models and snapshots): for the large scenario.",
    )
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="lakehouse-incr-"))
    generated, landing = work / "generated", work / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True)
    (work / "bench.duckdb").unlink(missing_ok=True)
    (work / "profiles.yml").write_text((PROJECT / "profiles.yml.example").read_text())
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET": "local",
        "LAKEHOUSE_BI_LANDING_ROOT": str(landing),
        "LAKEHOUSE_BI_DUCKDB_PATH": str(work / "bench.duckdb"),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    if not (generated / "_manifest.json").is_file():
        subprocess.run(
            [
                str(BIN / "lakehouse-bi"),
                "generate",
                "--scenario",
                args.scenario,
                "--batches",
                "3",
                "--end-date",
                END_DATE,
                "--output",
                str(generated),
                "--force",
                "--quiet",
            ],
            check=True,
            env=env,
        )
    batches = sorted({p.name.removeprefix("batch=") for p in generated.glob("*/batch=*")})
    initial, batch, second_batch = batches[0], batches[1], batches[2]  # batches[3]: tests
    land(generated, landing, initial)
    initial_seconds = timed_dbt(work, env, "build", *NO_TESTS)

    land(generated, landing, batch)
    landed_rows = sum(sum(1 for _ in path.open()) for path in landing.glob(f"*/batch={batch}/*"))
    incremental_run = timed_dbt(work, env, "build", *NO_TESTS)
    written = rows_written(work)
    incremental_slowest = slowest(work)
    incremental_engine = engine_seconds(work)
    windows = recompute_windows(work)
    full_run = timed_dbt(work, env, "build", "--full-refresh", *NO_TESTS)
    full_slowest = slowest(work)
    full_engine = engine_seconds(work)
    incremental_pipeline = full_pipeline = incremental_build = full_build = None
    if not args.models_only:
        land(generated, landing, second_batch)
        incremental_pipeline = timed_dbt(work, env, "build", *PIPELINE_ONLY)
        full_pipeline = timed_dbt(work, env, "build", "--full-refresh", *PIPELINE_ONLY)
        land(generated, landing, batches[3])
        incremental_build = timed_dbt(work, env, "build")
        full_build = timed_dbt(work, env, "build", "--full-refresh")
    print(f"scenario {args.scenario}: initial load built in {initial_seconds:.1f} s")
    print(f"batch {batch}: {landed_rows:,} landed lines (records plus CSV headers)")
    print(
        f"models + snapshots   incremental {incremental_run:7.1f} s   full refresh "
        f"{full_run:7.1f} s   ratio {incremental_run / full_run:.3f}  (target <= 0.15)"
    )
    print(
        f"  engine time (sum of model/snapshot execution) incremental {incremental_engine:7.1f} s"
        f"   full refresh {full_engine:7.1f} s   ratio {incremental_engine / full_engine:.3f}"
    )
    if incremental_pipeline and full_pipeline and incremental_build and full_build:
        print(
            f"pipeline models only incremental {incremental_pipeline:7.1f} s   full refresh "
            f"{full_pipeline:7.1f} s   ratio {incremental_pipeline / full_pipeline:.3f}"
            "  (without Elementary's package models)"
        )
        print(
            f"dbt build with tests incremental {incremental_build:7.1f} s   full refresh "
            f"{full_build:7.1f} s   ratio {incremental_build / full_build:.3f}"
        )
    print("rows written by the incremental run (dbt run results):")
    for name, rows in sorted(written.items(), key=lambda item: -item[1]):
        if rows and rows > 0:
            print(f"  {name:40} {rows:>12,}")
    for label, timings in (("incremental", incremental_slowest), ("full refresh", full_slowest)):
        print(f"slowest nodes of the {label} run (seconds):")
        for name, seconds in timings:
            print(f"  {name:40} {seconds:>8.1f}")
    print(f"gold recompute window (first dates): {windows or ['none']}")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
