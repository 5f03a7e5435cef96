"""Full local build of a scenario vs. the lower bound: one hand-written DuckDB query that
computes sales_dashboard_metrics straight from the landing files.

    python bench/bench_build.py [--scenario medium] [--keep DIR]

Prints wall time and peak memory of `dbt build` (every model, snapshot, seed and test) and of
the single query, and their ratio. Targets (issue 2): medium build < 180 s, peak < 4 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A fixed window (the generator's default ends today): the same data, and comparable timings,
# on every day.
END_DATE = "2025-12-31"

LOWER_BOUND_SQL = """
with orders as (
    select * from read_json('{root}/orders/batch=*/*.jsonl', format = 'newline_delimited')
    qualify row_number() over (partition by order_id order by updated_at desc) = 1
),
lines as (
    select * from read_json('{root}/order_lines/batch=*/*.jsonl', format = 'newline_delimited')
    qualify row_number() over (partition by order_line_id order by updated_at desc) = 1
),
products as (
    select * from read_csv('{root}/products/batch=*/*.csv', header = true)
    qualify row_number() over (partition by product_id order by updated_at desc) = 1
)
select
    cast(o.order_ts as date) as metric_date, o.country_code, o.channel, p.category,
    sum(l.quantity * l.unit_price - l.discount_amount) as revenue,
    count(distinct o.order_id) as orders, sum(l.quantity) as units,
    count(distinct o.customer_id) as customers
from lines as l
join orders as o on l.order_id = o.order_id
join products as p on l.product_id = p.product_id
where o.status != 'cancelled' and o.op != 'delete' and l.op != 'delete'
group by all
"""


def run_measured(command: list[str], **kwargs) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, from its own rusage."""
    started = time.perf_counter()
    process = subprocess.Popen(command, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--keep", type=Path, help="Work folder to keep (default: a temp folder).")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="lakehouse-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    landing, database = work / "landing", work / "bench.duckdb"
    database.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET": "local",
        "LAKEHOUSE_BI_LANDING_ROOT": str(landing),
        "LAKEHOUSE_BI_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    (work / "profiles.yml").write_text((PROJECT / "profiles.yml.example").read_text())

    if not (landing / "_manifest.json").is_file():
        started = time.perf_counter()
        subprocess.run(
            [
                str(BIN / "lakehouse-bi"),
                "generate",
                "--scenario",
                args.scenario,
                "--end-date",
                END_DATE,
                "--output",
                str(landing),
                "--force",
                "--quiet",
            ],
            check=True,
            env=env,
        )
        print(f"generate {args.scenario}: {time.perf_counter() - started:.1f} s")

    build_seconds, build_peak = run_measured(
        [str(BIN / "dbt"), "build", "--profiles-dir", str(work), "--quiet"], cwd=PROJECT, env=env
    )

    started = time.perf_counter()
    with duckdb.connect() as connection:
        rows = connection.execute(LOWER_BOUND_SQL.format(root=landing)).fetchall()
    query_seconds = time.perf_counter() - started
    query_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"scenario:                {args.scenario}")
    print(
        f"dbt build (full):        {build_seconds:8.1f} s   peak RSS {build_peak:8.0f} MB"
        f"   [{'ok' if build_seconds < 180 and build_peak < 4096 else 'OVER TARGET'}:"
        " < 180 s, < 4096 MB]"
    )
    print(
        f"hand-written query:      {query_seconds:8.1f} s   peak RSS {query_peak:8.0f} MB"
        f"   ({len(rows):,} metric rows)"
    )
    print(f"ratio build / query:     {build_seconds / query_seconds:8.1f}x")
    print(f"work folder:             {work}")


if __name__ == "__main__":
    main()
