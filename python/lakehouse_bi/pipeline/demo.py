"""`lakehouse-bi demo`: sample data -> dbt build -> docs -> Elementary report -> dashboards
preview -> summary."""

from __future__ import annotations

import json
import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import click
from rich.console import Console
from rich.table import Table

from lakehouse_bi.datagen.config import utc_today
from lakehouse_bi.deploy.dashboards_command import preview_path
from lakehouse_bi.deploy.preview import write_preview
from lakehouse_bi.errors import PipelineError
from lakehouse_bi.logging_setup import log_context, timed
from lakehouse_bi.pipeline.dbt_commands import RunSummary, run_dbt, run_edr_report, venv_tool
from lakehouse_bi.pipeline.project import ProjectPaths
from lakehouse_bi.pipeline.warehouse_counts import count_rows

logger = logging.getLogger(__name__)


@dataclass
class StepTimer:
    timings: list[tuple[str, float, str]] = field(default_factory=list)

    def run(self, name: str, action: Callable[[], str]) -> None:
        started = time.perf_counter()
        with timed(logger, "demo step", step=name) as fields:
            note = action()
            fields["note"] = note
        self.timings.append((name, time.perf_counter() - started, note))


def _landed_with(paths: ProjectPaths, scenario: str, seed: int) -> bool:
    """True when the landing folder holds this scenario and seed, generated today (UTC): the
    demo's data window ends today, so freshness and anomaly tests see current buckets."""
    manifest = paths.landing / "_manifest.json"
    if not manifest.is_file():
        return False
    landed = json.loads(manifest.read_text())
    return (
        landed.get("scenario") == scenario
        and landed.get("seed") == seed
        and landed.get("end_date") == utc_today().isoformat()
    )


def _generate(paths: ProjectPaths, scenario: str, seed: int, regenerate: bool) -> str:
    """Generate the sample data unless today's is landed; returns the step's note. New data
    replaces the landing folder, so the next build must be a full refresh (see demo)."""
    if not regenerate and _landed_with(paths, scenario, seed):
        return f"reused {paths.landing} ({scenario}, seed {seed})"
    command = [
        venv_tool("lakehouse-bi"),
        "generate",
        "--scenario",
        scenario,
        "--seed",
        str(seed),
        "--output",
        str(paths.landing),
        "--force",
    ]
    if subprocess.run(command, cwd=paths.root, check=False).returncode != 0:
        raise PipelineError("Sample data generation failed.", "Read the error printed above.")
    return f"{scenario} scenario, seed {seed}"


def _print_summary(console: Console, paths: ProjectPaths, timer: StepTimer, build: RunSummary):
    layers = Table(title="Rows per layer")
    for column in ("layer", "tables", "rows", "largest"):
        layers.add_column(column, justify="right" if column in {"tables", "rows"} else "left")
    counts = count_rows(paths.duckdb)
    logger.info(
        "rows per table",
        extra=log_context(rows={f"{c.layer}.{c.table}": c.rows for c in counts}),
    )
    for layer in ("bronze", "silver", "gold"):
        tables = [c for c in counts if c.layer == layer]
        largest = max(tables, key=lambda c: c.rows, default=None)
        layers.add_row(
            layer,
            str(len(tables)),
            f"{sum(c.rows for c in tables):,}",
            f"{largest.table} ({largest.rows:,})" if largest else "-",
        )
    console.print(layers)

    marts = ", ".join(f"{c.table} {c.rows:,}" for c in counts if c.layer == "gold")
    tests = build.test_statuses
    console.print(f"[bold]Gold tables:[/] {marts}")
    console.print(
        f"[bold]Tests:[/] {tests['pass']} passed, {tests['warn']} warned, "
        f"{tests['fail'] + tests['error']} failed, {tests['skipped']} skipped"
    )

    steps = Table(title="Wall time per step")
    steps.add_column("step")
    steps.add_column("seconds", justify="right")
    steps.add_column("note")
    for name, seconds, note in timer.timings:
        steps.add_row(name, f"{seconds:.1f}", note)
    steps.add_row("total", f"{sum(t[1] for t in timer.timings):.1f}", "")
    console.print(steps)

    console.print(f"[bold]Database:[/]           {paths.duckdb}")
    console.print(f"[bold]dbt docs:[/]           {paths.docs_index}  (or `dbt docs serve`)")
    console.print(f"[bold]Elementary report:[/]  {paths.elementary_report}")
    console.print(f"[bold]Dashboards preview:[/] {preview_path(paths)}")


@click.command("demo")
@click.option(
    "--scenario",
    type=click.Choice(["small", "medium", "large"]),
    default="small",
    show_default=True,
    help="Sample data size.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Sample data seed.")
@click.option("--regenerate", is_flag=True, help="Regenerate sample data even if already landed.")
def demo(scenario: str, seed: int, regenerate: bool) -> None:
    """Build the whole pipeline on the local DuckDB target, preview the dashboards and
    summarise it. Safe to rerun."""
    console = Console()
    paths = ProjectPaths.find()
    timer = StepTimer()
    build = RunSummary()

    # Regenerated data replaces the landing folder: rebuild an existing warehouse from it.
    rebuild = paths.duckdb.exists() and (regenerate or not _landed_with(paths, scenario, seed))

    def dbt_build() -> str:
        nonlocal build
        build = run_dbt(paths, "build", "--target", "local", *(["--full-refresh"] * rebuild))
        return ", ".join(f"{n} {s}" for s, n in sorted(build.node_statuses.items()))

    timer.run("generate sample data", lambda: _generate(paths, scenario, seed, regenerate))
    timer.run("dbt build", dbt_build)

    def docs_generate() -> str:
        run_dbt(paths, "docs", "generate", "--target", "local")
        return str(paths.docs_index)

    timer.run("dbt docs generate", docs_generate)
    timer.run("edr report", lambda: str(run_edr_report(paths)))
    timer.run(
        "dashboards preview",
        lambda: str(write_preview(paths.root, paths.duckdb, preview_path(paths))),
    )
    _print_summary(console, paths, timer, build)
