"""`lakehouse-bi generate`: the click command around the generator."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click
import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lakehouse_bi.datagen.config import DEFAULT_END_DATE, SCENARIOS, OptionError, resolve_config
from lakehouse_bi.datagen.generator import generate_landing, plan_generation
from lakehouse_bi.datagen.seeds import SeedsError, load_reference_data
from lakehouse_bi.datagen.writer import OutputDirError, prepare_output

ENTITY_ORDER = ("customers", "products", "orders", "order_lines", "web_events")


class _StepProgress:
    """Rich progress bar driven by the generator's step callback."""

    def __init__(self, total: int, console: Console) -> None:
        self._bar = Progress(
            TextColumn("[bold]generate[/bold] {task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("starting", total=total)
        self._started = False

    def __enter__(self) -> _StepProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)

    def __call__(self, description: str) -> None:
        if self._started:
            self._bar.advance(self._task)
        self._started = True
        self._bar.update(self._task, description=description)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@click.command("generate")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/landing"),
    show_default=True,
    help="Landing-zone root to write (docs/LANDING.md layout).",
)
@click.option(
    "--scenario",
    type=click.Choice(list(SCENARIOS)),
    default="small",
    show_default=True,
    help="Volume preset: small (20k orders, 90 days), medium (1M, 365 days), large (10M).",
)
@click.option(
    "--rows",
    type=click.IntRange(min=1),
    default=None,
    help="Number of orders; other entities scale with the scenario's ratios.",
)
@click.option(
    "--start-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day (YYYY-MM-DD). Default: the scenario's length before --end-date.",
)
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=f"Last day (YYYY-MM-DD). Default: {DEFAULT_END_DATE}, or derived from --start-date.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=42,
    show_default=True,
    help="Random seed; the same seed and options give byte-identical files.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace earlier generated data in a non-empty --output (other files are kept).",
)
@click.option(
    "--seeds-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with countries.csv and channels.csv. Default: the project's seeds/.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def generate(
    output: Path,
    scenario: str,
    rows: int | None,
    start_date: dt.datetime | None,
    end_date: dt.datetime | None,
    seed: int,
    force: bool,
    seeds_dir: Path | None,
    quiet: bool,
) -> None:
    """Generate deterministic sample data into the landing zone."""
    try:
        config = resolve_config(
            scenario, seed=seed, rows=rows, start_date=_date(start_date), end_date=_date(end_date)
        )
    except OptionError as exc:
        raise click.BadParameter(exc.message, param_hint=f"'{exc.option}'") from exc
    try:
        reference = load_reference_data(seeds_dir)
    except SeedsError as exc:
        raise click.BadParameter(str(exc), param_hint="'--seeds-dir'") from exc
    try:
        untouched = prepare_output(output, force)
    except OutputDirError as exc:
        raise click.BadParameter(str(exc), param_hint="'--output'") from exc

    console = Console(stderr=True)
    plan = plan_generation(config)
    started = time.perf_counter()
    try:
        if quiet or not console.is_terminal:
            result = generate_landing(config, output, reference=reference, plan=plan)
        else:
            with _StepProgress(plan.total_steps, console) as progress:
                result = generate_landing(
                    config, output, reference=reference, plan=plan, on_step=progress
                )
    except (OSError, duckdb.IOException) as exc:
        # Disk full, permissions changed mid-run...: the staged files are already discarded.
        raise click.ClickException(f"writing to {output} failed: {exc}") from exc
    elapsed = time.perf_counter() - started

    if quiet:
        return
    click.echo(
        f"Wrote {output} in {elapsed:.1f}s: scenario {config.scenario}, seed {config.seed}, "
        f"{config.start_date} to {config.end_date}, batch {result.batch.batch_id}"
    )
    for name in ENTITY_ORDER:
        out = result.batch.entities[name]
        files = len(out.files)
        click.echo(f"  {name:<12} {out.rows:>12,} rows  {files} file{'s' if files > 1 else ''}")
    if untouched:
        names = ", ".join(e.name for e in untouched)
        click.echo(f"Left other entries in {output} untouched: {names}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(generate())
