"""`lakehouse-bi ops ...`: deployment validation, metadata backup, Delta rollback, tuning.

Each subcommand takes `--target` (a target of the dbt profile: its type picks DuckDB or
Databricks) and reads the dbt manifest compiled for it (`dbt parse --target <t>`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lakehouse_bi.errors import ConfigError, DeploymentValidationError, RollbackError
from lakehouse_bi.identifiers import canonical_relation, quote_relation, split_relation
from lakehouse_bi.logging_setup import timed
from lakehouse_bi.ops import backup, deployment, rollback, tune
from lakehouse_bi.ops.alerts import notify_webhooks
from lakehouse_bi.ops.health import to_utc
from lakehouse_bi.ops.target import connect_target, load_manifest_for, target_engine
from lakehouse_bi.ops.workspace import workspace_client
from lakehouse_bi.pipeline.project import ProjectPaths

logger = logging.getLogger(__name__)
_STYLE = {"pass": "green", "fail": "bold red", "skip": "yellow"}

target_option = click.option(
    "--target",
    default=lambda: os.environ.get("DBT_TARGET", "local"),
    show_default="DBT_TARGET or local",
    help="dbt profile target: its adapter type picks the engine.",
)
manifest_option = click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="dbt manifest compiled for the target. Default: <dbt target path>/manifest.json.",
)


def console() -> Console:
    out = Console()
    return out if out.is_terminal else Console(width=max(out.width, 140))


def _context(target: str, manifest_path: Path | None):
    paths = ProjectPaths.find()
    engine = target_engine(paths, target)
    manifest = load_manifest_for(engine, manifest_path or paths.target / "manifest.json", target)
    return paths, engine, manifest


@click.group("ops")
def ops() -> None:
    """Operations: validate a deployment, back up metadata, roll a table back, tune tables."""


@ops.command("validate-deployment")
@target_option
@manifest_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON lines.")
def validate_deployment(target: str, manifest_path: Path | None, as_json: bool) -> None:
    """Every model deployed with its YAML's columns (and declared types) and rows, and every
    dashboard dataset query (resources/dashboards/*.lvdash.json) running. Exit 5 on a failure.
    """
    paths, engine, manifest = _context(target, manifest_path)
    queries = deployment.dashboard_queries(paths.root, target)
    default_schema = next(
        (m.schema for m in deployment.expected_models(manifest) if m.schema.lower() == "gold"),
        None,
    )
    with timed(logger, "validate deployment", engine=engine) as fields:
        with connect_target(engine, paths) as warehouse:
            findings = deployment.check_models(warehouse, manifest)
            if queries:
                findings += deployment.check_dashboards(warehouse, queries, default_schema)
            else:
                findings.append(
                    deployment.Finding(
                        "dashboard query",
                        str(deployment.DASHBOARDS_DIR),
                        "skip",
                        "no *.lvdash.json dashboards in the project",
                    )
                )
        failed = [f for f in findings if f.status == "fail"]
        fields.update(findings=len(findings), failed=len(failed))
    if as_json:
        for finding in findings:
            click.echo(json.dumps(asdict(finding)))
    else:
        table = Table(title=f"Deployment of target {target} ({engine})")
        for column in ("check", "subject", "status", "detail"):
            table.add_column(column)
        for f in findings:
            table.add_row(
                f.check, f.subject, f"[{_STYLE[f.status]}]{f.status.upper()}[/]", f.detail
            )
        console().print(table)
    if failed:
        raise DeploymentValidationError(
            f"{len(failed)} of {len(findings)} deployment checks failed: "
            + ", ".join(f"{f.check} {f.subject}" for f in failed[:10])
            + (" ..." if len(failed) > 10 else "")
        )


@ops.command("backup-metadata")
@target_option
@manifest_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the JSON files (created if absent).",
)
@click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    help="Unity Catalog catalog(s) to back up. Default: the catalogs of the project's models.",
)
def backup_metadata(
    target: str, manifest_path: Path | None, out: Path, catalogs: tuple[str, ...]
) -> None:
    """Unity Catalog tables, columns, tags, grants, masks, row filters, and the job and
    dashboard definitions, as JSON. On DuckDB: tables and columns; the rest does not apply
    (backup_manifest.json says why)."""
    paths, engine, manifest = _context(target, manifest_path)
    models = deployment.expected_models(manifest)
    schemas = {model.schema for model in models}
    with timed(logger, "backup metadata", engine=engine, out=str(out)):
        if engine == "duckdb":
            with connect_target(engine, paths) as warehouse:
                result = backup.backup_duckdb(warehouse, schemas, out)
            for part, why in result["not_applicable"].items():
                click.echo(f"not backed up: {part}: {why}")
        else:
            chosen = catalogs or tuple(sorted({m.database for m in models if m.database}))
            result = backup.backup_databricks(workspace_client(), chosen, out, schemas)
    click.echo(f"backup written to {out}: {json.dumps(result.get('counts', {}))}")
    for catalog, counts in result.get("catalogs", {}).items():
        click.echo(f"  catalog {catalog}: {json.dumps(counts)}")


def _timestamp(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return to_utc(value)
    except ValueError:
        raise ConfigError(
            f"--to-timestamp {value!r} is not an ISO timestamp.",
            "Use e.g. 2026-11-28T06:00:00Z (no zone means UTC).",
        ) from None


def resolve_table(manifest, name: str) -> str:
    """A model name (e.g. fct_sales) -> its relation; a qualified catalog.schema.table is
    taken as it is. Either way the result is re-quoted (`cat`.`schema`.`t`).

    Raises ConfigError (exit 2) when `name` is not 1 to 3 plain or backtick-quoted parts
    (spaces, `--`, `;`, `VERSION AS OF`, newlines), RollbackError for a well-formed name that
    is neither a model of the project nor three parts."""
    parts = split_relation(name, "databricks", rollback.TABLE_ARGUMENT)
    if len(parts) == 1:
        for unique_id, node in manifest.data["nodes"].items():
            if node["resource_type"] in ("model", "snapshot") and parts[0] in (
                node["name"],
                node.get("alias"),
            ):
                where = f"relation_name of {unique_id} in {manifest.path}"
                return canonical_relation(node["relation_name"], "databricks", where)
    if len(parts) == 3:
        return quote_relation(parts, "databricks", rollback.TABLE_ARGUMENT)
    raise RollbackError(
        f"Unknown table {name!r}: not a model or snapshot of the project, nor "
        "catalog.schema.table.",
        "Pass a model name (e.g. fct_sales) or the full name of the Delta table.",
    )


@ops.command("rollback")
@target_option
@manifest_option
@click.option("--table", "table_name", required=True, help="Model name or catalog.schema.table.")
@click.option("--to-version", type=click.IntRange(min=0), help="Delta version to restore.")
@click.option("--to-timestamp", help="Restore the version current at this time (ISO, UTC).")
@click.option("--execute", is_flag=True, help="Run the RESTORE (default: print the plan only).")
def rollback_command(
    target: str,
    manifest_path: Path | None,
    table_name: str,
    to_version: int | None,
    to_timestamp: str | None,
    execute: bool,
) -> None:
    """Plan (and with --execute run) a Delta RESTORE from DESCRIBE HISTORY. docs/ROLLBACK.md."""
    paths, engine, manifest = _context(target, manifest_path)
    if engine != "databricks":
        raise RollbackError(
            f"Target {target!r} runs on {engine}: Delta RESTORE exists only on Databricks.",
            "Locally, rebuild instead: `dbt build --full-refresh -s <model>` (docs/ROLLBACK.md).",
        )
    table = resolve_table(manifest, table_name)
    when = _timestamp(to_timestamp)
    with connect_target(engine, paths) as warehouse:
        history = rollback.read_history(warehouse, table)
        plan = rollback.plan_restore(history, table, to_version, when)
        click.echo(json.dumps(plan.as_dict(), indent=2))
        if not execute:
            click.echo("dry run: nothing changed. Add --execute to run the RESTORE above.")
            return
        with timed(logger, "delta restore", table=table, version=plan.target.version):
            metrics = rollback.execute_restore(warehouse, plan)
    click.echo(f"restored: {json.dumps(metrics, default=str)}")
    notify_webhooks(
        f"lakehouse-bi: {table} restored from version {plan.current.version} to version "
        f"{plan.target.version} ({plan.target.timestamp:%Y-%m-%d %H:%M} UTC) on target {target}."
    )


@ops.command("tune")
@target_option
@manifest_option
@click.option("--json", "as_json", is_flag=True, help="Print statistics and advice as JSON.")
def tune_command(target: str, manifest_path: Path | None, as_json: bool) -> None:
    """Table statistics (size, files, clustering) -> OPTIMIZE / clustering / compaction advice.
    Thresholds: docs/RUNBOOK.md 'Tuning'."""
    paths, engine, manifest = _context(target, manifest_path)
    with connect_target(engine, paths) as warehouse:
        if engine == "databricks":
            stats = tune.databricks_stats(warehouse, manifest)
            advice = tune.recommend_databricks(stats)
        else:
            stats, free_share = tune.duckdb_stats(warehouse, manifest)
            advice = tune.recommend_duckdb(stats, free_share)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "statistics": [asdict(s) for s in stats],
                    "recommendations": [asdict(a) for a in advice],
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"Table statistics ({engine})")
    for column in (
        "table",
        "size MB",
        "files" if engine == "databricks" else "row groups",
        "rows",
        "clustering",
    ):
        table.add_column(column)
    for s in stats:
        table.add_row(
            s.table,
            f"{(s.size_bytes or 0) / tune.MB:,.1f}",
            str(s.files),
            "" if s.rows is None else f"{s.rows:,}",
            ", ".join(s.clustering)
            or (
                "declared " + ", ".join(s.declared_clustering) if s.declared_clustering else "none"
            ),
        )
    advice_table = Table(title="Recommendations")
    for column in ("table", "action", "reason", "sql"):
        advice_table.add_column(column)
    for a in advice:
        advice_table.add_row(a.table, a.action, a.reason, a.sql)
    out = console()
    out.print(table)
    out.print(advice_table)
