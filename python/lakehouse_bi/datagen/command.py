"""`lakehouse-bi generate`: the click command around the generator."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from pathlib import Path

import click
import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lakehouse_bi.datagen.config import (
    MAX_BATCHES,
    SCENARIOS,
    CdcRates,
    OptionError,
    resolve_config,
)
from lakehouse_bi.datagen.generator import generate_landing, plan_generation
from lakehouse_bi.datagen.schema import ENTITIES
from lakehouse_bi.datagen.seeds import SeedsError, load_reference_data
from lakehouse_bi.datagen.writer import OutputDirError, prepare_output
from lakehouse_bi.logging_setup import log_context

logger = logging.getLogger(__name__)


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


def _rate_option(name: str, help_text: str):
    return click.option(
        "--" + name.replace("_", "-"),
        name,
        type=click.FloatRange(0.0, 1.0),
        default=getattr(CdcRates(), name),
        show_default=True,
        metavar="RATE",
        help=help_text,
    )


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
    help="Last day (YYYY-MM-DD). Default: the scenario's length after --start-date, or else "
    "today (UTC) minus --batches days, so the last batch is today. Only runs given a date "
    "are reproducible on another day; the manifest records both dates.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=42,
    show_default=True,
    help="Random seed; the same seed, dates and options give byte-identical files.",
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
@click.option(
    "--batches",
    type=click.IntRange(min=0, max=MAX_BATCHES),
    default=0,
    show_default=True,
    help="Daily CDC batches after the initial load (b0001_<end+1>, b0002_<end+2>, ...).",
)
@_rate_option("update_rate", "Share of open (placed/shipped) orders that move one status step.")
@_rate_option(
    "correction_rate", "Share of lines of recent orders with a corrected quantity/discount."
)
@_rate_option("delete_rate", "Share of recent orders deleted, with all their lines.")
@_rate_option("late_rate", "Share of new orders placed 1-2 days before the batch day.")
@_rate_option("too_late_rate", "Share of new orders placed 5-10 days before the batch day.")
@_rate_option("duplicate_rate", "Share of order/line/web-event records written twice in a file.")
@_rate_option(
    "redeliver_rate", "Chance per batch (from b0002) of re-delivering the previous orders file."
)
@_rate_option("dim_change_rate", "Share of live customers/products with one attribute change.")
@_rate_option("dim_delete_rate", "Share of live customers/products hard-deleted.")
@click.option(
    "--inject-anomalies",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    metavar="RATE",
    help="Add about RATE x rows invalid records per entity and batch (docs/LANDING.md).",
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
    batches: int,
    inject_anomalies: float,
    quiet: bool,
    **rates: float,
) -> None:
    """Generate deterministic sample data into the landing zone.

    An initial load (batch b0000) and, with --batches N, N daily CDC batches; rates apply
    per batch. Land them one day at a time with `lakehouse-bi land`. Without dates the data
    ends today (UTC); pass --start-date and --end-date for the same files on any day.
    """
    try:
        config = resolve_config(
            scenario,
            seed=seed,
            rows=rows,
            start_date=_date(start_date),
            end_date=_date(end_date),
            batches=batches,
            rates=rates,
            inject_anomalies=inject_anomalies,
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
    logger.info(
        "sample data generated",
        extra=log_context(
            output=str(output),
            batch_id=result.batch.batch_id,
            rows={name: result.batch.entities[name].rows for name in ENTITIES},
            duration_seconds=round(elapsed, 3),
        ),
    )

    if quiet:
        return
    click.echo(
        f"Wrote {output} in {elapsed:.1f}s: scenario {config.scenario}, seed {config.seed}, "
        f"{config.start_date} to {config.end_date}, batch {result.batch.batch_id}"
    )
    for name in ENTITIES:
        out = result.batch.entities[name]
        files = len(out.files)
        click.echo(f"  {name:<12} {out.rows:>12,} rows  {files} file{'s' if files > 1 else ''}")
    if len(result.batches) > 1:
        cdc = result.batches[1:]
        rows = {n: sum(b.entities[n].rows for b in cdc) for n in ENTITIES}
        click.echo(
            f"  + {len(cdc)} CDC batches {cdc[0].batch_id} .. {cdc[-1].batch_id}: "
            + ", ".join(f"{n} {rows[n]:,}" for n in ENTITIES)
        )
    if untouched:
        names = ", ".join(e.name for e in untouched)
        click.echo(f"Left other entries in {output} untouched: {names}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(generate())
