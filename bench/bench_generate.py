"""Benchmark `lakehouse-bi generate`: wall time, rows/s per entity and peak memory.

Each scenario runs in a fresh subprocess so its peak RSS (getrusage of that process) and its
timings are its own, including interpreter start-up and imports, as a user would see them.
Every run also writes daily CDC batches (`--batches`, default 3) and times each of them.

    .venv/bin/python bench/bench_generate.py                      # small + medium, 3 batches
    .venv/bin/python bench/bench_generate.py --scenario medium --verify
    .venv/bin/python bench/bench_generate.py --batches 0          # initial load only

Exit status 1 when a scenario misses a time target (medium: 60 s for the whole run, initial
load included; 10 s per daily batch).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = {"medium": 60.0}
BATCH_TARGET_SECONDS = {"medium": 10.0}
ENTITIES = ("customers", "products", "orders", "order_lines", "web_events")
# A fixed window (the generator's default ends today): the same data, and comparable timings,
# on every day; `--verify` reruns must not straddle midnight either.
END_DATE = "2025-12-31"


def _worker(scenario: str, output: Path, batches: int) -> None:
    """Runs inside the subprocess: generate, then print one JSON line of measurements."""
    started = time.perf_counter()
    from lakehouse_bi.datagen import generate_landing, resolve_config  # timed separately

    imported = time.perf_counter()
    steps: list[list] = []

    def on_step(description: str) -> None:
        now = time.perf_counter()
        if steps:
            steps[-1][1] = now - steps[-1][1]
        steps.append([description, now])

    end_date = datetime.date.fromisoformat(END_DATE)
    config = resolve_config(scenario, end_date=end_date, batches=batches)
    result = generate_landing(config, output, on_step=on_step)
    finished = time.perf_counter()
    steps[-1][1] = finished - steps[-1][1]
    rows = {e: result.batch.entities[e].rows for e in ENTITIES}
    batch_rows = [{e: b.entities[e].rows for e in ENTITIES} for b in result.batches[1:]]
    sizes = {
        e: sum((output / f).stat().st_size for f in result.batch.entities[e].files)
        for e in ENTITIES
    }
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "generate_s": finished - imported,
                "steps": steps,
                "rows": rows,
                "batch_rows": batch_rows,
                "bytes": sizes,
                "peak_rss_bytes": peak,
            }
        )
    )


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run(scenario: str, output: Path, batches: int) -> dict:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", scenario, str(output), str(batches)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{scenario} generation failed:\n{completed.stderr[-4000:]}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    report["wall_s"] = wall
    return report


def _print_report(scenario: str, report: dict) -> bool:
    wall = report["wall_s"]
    batch_steps = [(d, t) for d, t in report["steps"] if d.startswith("batch ")]
    batch_s = sum(t for _, t in batch_steps)
    initial_s = report["generate_s"] - batch_s
    print(f"\n== {scenario}: {wall:.1f}s wall (process), {report['generate_s']:.1f}s generating")
    print(f"   initial load {initial_s:.1f}s (manifest included), {len(batch_steps)} batches")
    # rows/s is over the whole generation: entities are built and written in shared steps.
    print(f"   {'entity':<12} {'rows':>12} {'MB':>9} {'rows/s':>12}")
    for entity in ENTITIES:
        rows = report["rows"][entity]
        mb = report["bytes"][entity] / 1e6
        print(f"   {entity:<12} {rows:>12,} {mb:>9.1f} {rows / report['generate_s']:>12,.0f}")
    total = sum(report["rows"].values())
    print(f"   {'all':<12} {total:>12,} {sum(report['bytes'].values()) / 1e6:>9.1f}", end="")
    print(f" {total / report['generate_s']:>12,.0f}")
    print("   steps: " + ", ".join(f"{d} {s:.1f}s" for d, s in report["steps"]))
    peak_mib = report["peak_rss_bytes"] / 2**20
    print(f"   imports {report['import_s']:.1f}s, peak RSS {peak_mib:,.0f} MiB")
    initial_rows = sum(report["rows"].values())
    for (description, seconds), rows in zip(batch_steps, report["batch_rows"], strict=True):
        total = sum(rows.values())
        print(
            f"   {description}: {seconds:.2f}s, {total:,} records "
            f"({total / initial_rows:.2%} of the initial load): "
            + ", ".join(f"{e} {n:,}" for e, n in rows.items())
        )
    passed = True
    target = TARGET_SECONDS.get(scenario)
    if target is not None:
        ok = wall < target
        print(f"   target < {target:.0f}s: {'PASS' if ok else 'FAIL'} ({wall:.1f}s)")
        passed &= ok
    batch_target = BATCH_TARGET_SECONDS.get(scenario)
    if batch_target is not None and batch_steps:
        slowest = max(t for _, t in batch_steps)
        ok = slowest < batch_target
        print(f"   batch target < {batch_target:.0f}s: {'PASS' if ok else 'FAIL'} ({slowest:.2f}s)")
        passed &= ok
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario",
        action="append",
        choices=["small", "medium", "large"],
        help="Scenario(s) to time (repeatable). Default: small and medium.",
    )
    parser.add_argument(
        "--verify", action="store_true", help="Run each scenario twice and compare the bytes."
    )
    parser.add_argument(
        "--batches", type=int, default=3, help="Daily CDC batches after the load (default 3)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the generated files.")
    parser.add_argument(
        "--worker", nargs=3, metavar=("SCENARIO", "DIR", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker[0], Path(args.worker[1]), int(args.worker[2]))
        return 0

    base = Path(tempfile.mkdtemp(prefix="bench_generate_"))
    ok = True
    try:
        for scenario in args.scenario or ["small", "medium"]:
            first = base / f"{scenario}_1"
            report = _run(scenario, first, args.batches)
            ok &= _print_report(scenario, report)
            if args.verify:
                second = base / f"{scenario}_2"
                _run(scenario, second, args.batches)
                same = _digests(first) == _digests(second)
                print(f"   byte-identical rerun: {'yes' if same else 'NO'}")
                ok &= same
                shutil.rmtree(second)
            if not args.keep:
                shutil.rmtree(first)
    finally:
        if args.keep:
            print(f"\noutput kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(f"\n{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
