"""`lakehouse-bi openlineage`: OpenLineage events of the last dbt run, to a file and, when
OPENLINEAGE_URL is set, to a lineage backend (Marquez, DataHub, OpenMetadata, Unity
Catalog's external lineage ingestion...). docs/CATALOG.md."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import click

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.glossary.glossary import GLOSSARY_FILE, load_glossary, terms_by_column
from lakehouse_bi.lineage.columns import column_lineage
from lakehouse_bi.lineage.openlineage_emit import HttpSettings, send_events, write_events
from lakehouse_bi.lineage.openlineage_events import (
    LineageContext,
    build_events,
    dataset_namespace,
)
from lakehouse_bi.lineage.project_graph import ProjectGraph
from lakehouse_bi.logging_setup import timed
from lakehouse_bi.pipeline.project import ProjectPaths

logger = logging.getLogger(__name__)
NAMESPACE_ENV = "OPENLINEAGE_NAMESPACE"
# dbt commands whose run_results describe nodes that ran (docs generate, compile, test... do not).
RUN_COMMANDS = ("build", "run", "seed", "snapshot", "retry")


def _load(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(
            f"No {what} at {path}.",
            "Run dbt first (`make build`, `dbt build` or `dbt run`), then retry.",
        )
    return json.loads(path.read_text())


def _column_lineage(manifest_path: Path, catalog_path: Path) -> dict[str, Any]:
    """unique_id -> column -> [(upstream unique_id, column)], or {} without compiled SQL."""
    try:
        result = column_lineage(ProjectGraph.load(manifest_path, catalog_path))
    except ConfigError as error:
        logger.warning(f"no column lineage facets: {error.message}")
        return {}
    return {
        unique_id: {
            column: [(ref.unique_id, ref.column) for ref in refs]
            for column, refs in columns.items()
        }
        for unique_id, columns in result.models.items()
    }


def lineage_context(
    root: Path, manifest: dict[str, Any], manifest_path: Path, catalog_path: Path
) -> LineageContext:
    """Namespaces from the environment and the manifest, column lineage, glossary terms."""
    adapter = manifest["metadata"].get("adapter_type") or "dbt"
    databases = {
        node.get("database") for node in manifest["nodes"].values() if node.get("database")
    }
    database = sorted(databases)[0] if databases else "default"
    terms, problems = (
        load_glossary(root / GLOSSARY_FILE) if (root / GLOSSARY_FILE).is_file() else ([], [])
    )
    for problem in problems:
        logger.warning(f"glossary not exported: {problem}")
    return LineageContext(
        job_namespace=os.environ.get(NAMESPACE_ENV) or f"lakehouse-bi://{adapter}",
        dataset_namespace=dataset_namespace(adapter, os.environ.get("DATABRICKS_HOST"), database),
        column_lineage=_column_lineage(manifest_path, catalog_path),
        glossary=terms_by_column(terms, manifest),
        catalog=json.loads(catalog_path.read_text()) if catalog_path.is_file() else None,
    )


@click.command("openlineage")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="dbt manifest. Default: <dbt target path>/manifest.json.",
)
@click.option(
    "--run-results",
    "run_results_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="dbt run_results.json. Default: beside the manifest.",
)
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="dbt catalog.json for column types. Default: beside the manifest, if present.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Events file (JSON lines). Default: <dbt target path>/openlineage.ndjson.",
)
@click.option(
    "--send/--no-send",
    default=True,
    show_default=True,
    help="Also POST the events to OPENLINEAGE_URL when it is set.",
)
def openlineage(
    manifest_path: Path | None,
    run_results_path: Path | None,
    catalog_path: Path | None,
    output: Path | None,
    send: bool,
) -> None:
    """Export the last dbt run as OpenLineage events: jobs per model, datasets with schema,
    column lineage, tags (PII, domain, classification) and glossary terms."""
    paths = ProjectPaths.find()
    manifest_path = manifest_path or paths.target / "manifest.json"
    run_results_path = run_results_path or manifest_path.with_name("run_results.json")
    catalog_path = catalog_path or manifest_path.with_name("catalog.json")
    output = output or paths.target / "openlineage.ndjson"
    settings = HttpSettings.from_env() if send else None  # an unsafe URL fails before any work
    manifest = _load(manifest_path, "dbt manifest")
    run_results = _load(run_results_path, "dbt run_results.json")
    command = (run_results.get("args") or {}).get("which")
    if command not in RUN_COMMANDS:
        raise ConfigError(
            f"{run_results_path} is from `dbt {command}`, which runs no models.",
            "Export right after `dbt build` / `dbt run` (make build does), or pass that run's "
            "--run-results.",
        )
    with timed(logger, "OpenLineage export", output=str(output)) as fields:
        context = lineage_context(paths.root, manifest, manifest_path, catalog_path)
        try:
            events = build_events(manifest, run_results, context)
        except KeyError as error:
            raise ConfigError(
                f"{run_results_path} or {manifest_path} lacks dbt's key {error}.",
                "Pass artifacts written by one dbt run of this dbt version.",
            ) from error
        write_events(events, output)
        fields.update(events=len(events))
        if settings is not None:
            fields.update(sent=send_events(events, settings), url=settings.url)
    click.echo(f"{len(events)} OpenLineage events written to {output}")
    if settings is not None:
        click.echo(f"... and sent to {settings.url}")


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a file written by `write_events` (one JSON object a line)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


__all__ = ["lineage_context", "openlineage", "read_events"]
