"""`lakehouse-bi models report`: how far the project's models follow the documentation, grain
and access rules (docs/ARCHITECTURE.md, "Documentation, grain and access rules");
`lakehouse-bi models evaluate`: dbt Labs' project evaluator on the project (naming, folders,
DAG, model descriptions, primary-key tests, public contracts)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.pipeline.project import ProjectPaths
from lakehouse_bi.spec.built_columns import duckdb_model_columns
from lakehouse_bi.spec.dbt_manifest import load_manifest
from lakehouse_bi.spec.model_quality import model_problems, quality_counts
from lakehouse_bi.spec.project_evaluator import EXCEPTIONS_FILE, EvaluatorRun, run_evaluator

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


PROJECT_DIR = click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The dbt project. Default: the one around the current directory.",
)


class ModelRulesError(ConfigError):
    """dbt_project_evaluator found broken rules (or its run failed); one line per problem."""

    def __init__(self, run: EvaluatorRun) -> None:
        lines = "\n".join(f"  - {problem}" for problem in run.problems())
        super().__init__(
            f"dbt_project_evaluator: {len(run.violations)} broken rule(s), "
            f"{len(run.errors)} other problem(s):\n{lines}",
            "Fix each model named above as its line says, or excuse a case the design wants "
            f"with a row and its reason in {EXCEPTIONS_FILE}; rerun `lakehouse-bi models "
            "evaluate`.",
        )
        self.run = run


@click.group("models")
def models() -> None:
    """The project's dbt models: documentation, grain tests, groups and access."""


@models.command("evaluate")
@PROJECT_DIR
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Scratch folder for the run (DuckDB file, dbt target and logs). "
    "Default: <project>/target/project_evaluator.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the violations as JSON.")
def evaluate(project_dir: Path | None, work_dir: Path | None, as_json: bool) -> None:
    """Run dbt Labs' project evaluator (dbt_project_evaluator) on the project's graph: naming,
    folders, DAG, model descriptions, primary-key tests, public contracts. Exits non-zero
    listing each broken rule, the model and what to do."""
    root = (project_dir or ProjectPaths.find().root).resolve()
    run = run_evaluator(root, work_dir)
    if as_json:
        click.echo(json.dumps({
            "rules_checked": run.rules_checked,
            "violations": [violation.as_dict() for violation in run.violations],
            "errors": run.errors,
        }, indent=2))  # fmt: skip
    if run.problems():
        raise ModelRulesError(run)
    if not as_json:
        click.echo(
            f"dbt_project_evaluator: {run.rules_checked} rules, no violation "
            f"({run.duration_seconds:.0f} s; exceptions in {EXCEPTIONS_FILE})."
        )


@models.command("report")
@PROJECT_DIR
@click.option(
    "--duckdb",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Count the columns the models have in this built DuckDB warehouse (local target) "
    "instead of the columns their YAML declares.",
)
@click.option(
    "--evaluate",
    is_flag=True,
    help="Also run dbt_project_evaluator (`lakehouse-bi models evaluate`) and list its "
    "broken rules among the problems.",
)
@click.option("--json", "as_json", is_flag=True, help="Print counts and problems as JSON.")
def report(project_dir: Path | None, database: Path | None, evaluate: bool, as_json: bool) -> None:
    """Count models, columns, documented and tested columns, contracts, grain tests, groups
    and access levels (parsed offline), and list what each model still lacks: the Python
    rules (columns, grain, group, access) and, with --evaluate, dbt_project_evaluator's."""
    root = (project_dir or ProjectPaths.find().root).resolve()
    manifest = load_manifest(root, "local" if database else "prod")
    built = duckdb_model_columns(database, manifest) if database else None
    counts = quality_counts(manifest, built).as_dict()
    problems = model_problems(manifest, built)
    if evaluate:
        problems += [f"dbt_project_evaluator {p}" for p in run_evaluator(root).problems()]
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
    checked = "" if evaluate else " (naming, folders, DAG, model descriptions: --evaluate)"
    click.echo(f"  problems: {len(problems)}{checked}")
    for problem in problems:
        click.echo(f"    - {problem}")
