"""`lakehouse-bi glossary`: render the business glossary into dbt doc blocks, export it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lakehouse_bi.glossary.docs import write_doc_blocks
from lakehouse_bi.glossary.glossary import GLOSSARY_FILE, load_glossary
from lakehouse_bi.pipeline.project import ProjectPaths
from lakehouse_bi.spec.registry import SpecError


@click.group("glossary")
def glossary() -> None:
    """The business glossary (glossary.yml, docs/CATALOG.md)."""


@glossary.command("docs")
def docs() -> None:
    """Write models/docs/glossary.md: a dbt doc block per term and the docs overview page."""
    root = ProjectPaths.find().root
    _, problems = load_glossary(root / GLOSSARY_FILE)
    if problems:
        raise SpecError({"glossary": problems})
    click.echo(f"Wrote {write_doc_blocks(root).relative_to(root)}")


@glossary.command("export")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file to write. Default: <dbt target path>/glossary.json.",
)
def export(output: Path | None) -> None:
    """Write the glossary as JSON (terms, definitions, owners, columns) for a catalog."""
    paths = ProjectPaths.find()
    terms, problems = load_glossary(paths.root / GLOSSARY_FILE)
    if problems:
        raise SpecError({"glossary": problems})
    output = output or paths.target / "glossary.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {"terms": [{**vars(t), "doc_block": t.doc_block} for t in terms]}
    output.write_text(json.dumps(payload, indent=2, default=list) + "\n")
    click.echo(f"Wrote {output}")
