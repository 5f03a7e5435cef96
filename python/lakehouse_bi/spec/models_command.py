"""`lakehouse-bi models report`: how far the project's models follow the documentation, grain
and access rules (docs/ARCHITECTURE.md, "Documentation, grain and access rules")."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lakehouse_bi.pipeline.project import ProjectPaths
from lakehouse_bi.spec.built_columns import duckdb_model_columns
from lakehouse_bi.spec.dbt_manifest import load_manifest
from lakehouse_bi.spec.model_quality import model_problems, quality_counts

LABELS = {
    "models": "models",
    "models_described": "models with a description",
    "columns": "columns",
    "documented_columns": "documented columns",
    "tested_columns": "columns with a data test",
    "contracted_models": "models with an enforced contract",
    "models_with_uniqueness_test": "models with a uniqueness test",
    "grain_tested_models": "models with meta.grain and its uniqueness test",
    "models_with_group_and_access": "models with a group and an access level",
}


@click.group("models")
def models() -> None:
    """The project's dbt models: documentation, grain tests, groups and access."""


@models.command("report")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The dbt project. Default: the one around the current directory.",
)
@click.option(
    "--duckdb",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Count the columns the models have in this built DuckDB warehouse (local target) "
    "instead of the columns their YAML declares.",
)
@click.option("--json", "as_json", is_flag=True, help="Print counts and problems as JSON.")
def report(project_dir: Path | None, database: Path | None, as_json: bool) -> None:
    """Count models, columns, documented and tested columns, contracts, grain tests, groups
    and access levels (parsed offline), and list what each model still lacks."""
    root = (project_dir or ProjectPaths.find().root).resolve()
    manifest = load_manifest(root, "local" if database else "prod")
    built = duckdb_model_columns(database, manifest) if database else None
    counts = quality_counts(manifest, built).as_dict()
    problems = model_problems(manifest, built)
    if as_json:
        click.echo(json.dumps({"counts": counts, "problems": problems}, indent=2))
        return
    source = "built in " + str(database) if database else "declared in YAML"
    click.echo(f"Models of {root.name} (columns {source}):")
    for key, label in LABELS.items():
        value = counts[key]
        whole = counts["columns"] if "columns" in key and key != "columns" else counts["models"]
        share = (
            f" ({100 * value / whole:.0f} %)" if key not in ("models", "columns") and whole else ""
        )
        click.echo(f"  {label}: {value}{share}")
    click.echo(f"  problems: {len(problems)}")
    for problem in problems:
        click.echo(f"    - {problem}")
