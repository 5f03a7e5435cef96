"""`lakehouse-bi lineage`: column lineage as JSON, and the model lineage diagram."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from lakehouse_bi.lineage.columns import column_lineage
from lakehouse_bi.lineage.diagram import mermaid_model_lineage
from lakehouse_bi.lineage.diagram_svg import svg_model_lineage
from lakehouse_bi.lineage.project_graph import ProjectGraph
from lakehouse_bi.logging_setup import timed
from lakehouse_bi.pipeline.project import ProjectPaths

logger = logging.getLogger(__name__)


@click.command("lineage")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="dbt manifest with compiled SQL. Default: <dbt target path>/manifest.json.",
)
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="dbt catalog.json for exact column lists. Default: beside the manifest, if present.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Column lineage JSON to write. Default: <dbt target path>/column_lineage.json.",
)
@click.option(
    "--diagram",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the model lineage as a Mermaid diagram (Markdown), e.g. "
    "docs/diagrams/model_lineage.md.",
)
@click.option(
    "--svg",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the model lineage as an SVG image, e.g. docs/diagrams/model_lineage.svg.",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    help="Print every upstream column of schema.relation.column (repeatable).",
)
def lineage(
    manifest_path: Path | None,
    catalog_path: Path | None,
    output: Path | None,
    diagram: Path | None,
    svg: Path | None,
    columns: tuple[str, ...],
) -> None:
    """Derive column lineage from the compiled SQL in the manifest (run `dbt compile` or
    `dbt docs generate` first) and export it; optionally draw the model lineage."""
    target = ProjectPaths.find().target
    manifest_path = manifest_path or target / "manifest.json"
    catalog_path = catalog_path or manifest_path.with_name("catalog.json")
    output = output or target / "column_lineage.json"

    with timed(logger, "column lineage export", output=str(output)) as fields:
        graph = ProjectGraph.load(manifest_path, catalog_path)
        result = column_lineage(graph)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result.to_json(), indent=2) + "\n")
        fields.update(
            models=len(result.models), edges=len(result.edges()), unparsed=len(result.unparsed)
        )
    for unique_id, reason in result.unparsed.items():
        logger.warning(f"no column lineage for {unique_id}: {reason}")

    if diagram is not None:
        diagram.parent.mkdir(parents=True, exist_ok=True)
        diagram.write_text(mermaid_model_lineage(graph))
        logger.info(f"model lineage diagram written to {diagram}")

    if svg is not None:
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(svg_model_lineage(graph))
        logger.info(f"model lineage image written to {svg}")

    for label in columns:
        upstream = sorted(result.upstream(label))
        click.echo(f"{label} <- " + (", ".join(upstream) if upstream else "(no upstream columns)"))
