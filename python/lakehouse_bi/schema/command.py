"""`lakehouse-bi schema diff OLD NEW`: the changes between two schemas and their migration DDL."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lakehouse_bi.errors import SchemaEvolutionError
from lakehouse_bi.identifiers import reject_control_characters
from lakehouse_bi.schema.column_types import ENGINES
from lakehouse_bi.schema.compare import compare_schemas
from lakehouse_bi.schema.migration import MigrationPlan, plan_migration
from lakehouse_bi.schema.schema_files import default_table_name, load_schema

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class SchemaMigrationError(SchemaEvolutionError):
    """Some change has no in-place DDL on an engine: the table must be rewritten (exit 4)."""


@click.group("schema")
def schema() -> None:
    """Compare schemas of landing files or tables and write the migration DDL."""


@schema.command("diff")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option(
    "--table",
    help="Table the DDL alters. Default: bronze.bronze_<entity> for a landing file, else "
    "NEW's file name.",
)
@click.option(
    "--engine",
    type=click.Choice([*ENGINES, "both"]),
    default="both",
    show_default=True,
    help="Engine(s) to write DDL for.",
)
@click.option(
    "--dialect",
    type=click.Choice(ENGINES),
    default="databricks",
    show_default=True,
    help="Type names in schema files (landing files are sniffed with DuckDB).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def diff(
    old: Path, new: Path, table: str | None, engine: str, dialect: str, output_format: str
) -> None:
    """Compare OLD with NEW (JSON/YAML column -> type maps, or .csv/.jsonl landing files) and
    print each change and the DDL for DuckDB and Databricks. Exits 4 when a change needs a
    table rewrite on an engine (narrowing, an unsupported type change); exits 2, printing no
    DDL, when a column or table name holds a newline or another control character."""
    changes = compare_schemas(load_schema(old, dialect), load_schema(new, dialect))
    if table is not None:
        reject_control_characters(table, "--table")
    else:
        table = reject_control_characters(
            default_table_name(new), f"table name taken from NEW's file name {new.name!r}"
        )
    engines = ENGINES if engine == "both" else (engine,)
    plans = [plan_migration(changes, table, name) for name in engines]
    if output_format == "json":
        click.echo(json.dumps(_as_json(changes, plans), indent=2))
    else:
        click.echo(_as_text(changes, plans))
    rewrites = [(plan.engine, step) for plan in plans for step in plan.rewrites]
    if rewrites:
        listed = "; ".join(f"{name}: {step.change.describe()}" for name, step in rewrites)
        raise SchemaMigrationError(
            f"{len(rewrites)} change(s) cannot be applied in place ({listed}).",
            hint="Rewrite the table as the notes say, or keep the old type (bronze stores "
            "strings: only typed layers need it).",
        )


def _as_text(changes, plans: list[MigrationPlan]) -> str:
    if not changes:
        return "No schema change."
    lines = ["Changes:", *(f"  {change.describe()}" for change in changes)]
    for plan in plans:
        lines += ["", f"-- {plan.engine}: {plan.table}"]
        lines += plan.sql().splitlines()
        lines += [f"-- {step.change.column}: {step.note}" for step in plan.steps if step.note]
    return "\n".join(lines)


def _as_json(changes, plans: list[MigrationPlan]) -> dict:
    return {
        "changes": [
            {
                "column": c.column,
                "kind": c.kind.value,
                "old_type": c.old_type.sql("databricks") if c.old_type else None,
                "new_type": c.new_type.sql("databricks") if c.new_type else None,
            }
            for c in changes
        ],
        "migrations": {
            plan.engine: {
                "table": plan.table,
                "statements": plan.statements,
                "notes": [
                    {"column": s.change.column, "note": s.note, "needs_rewrite": s.needs_rewrite}
                    for s in plan.steps
                    if s.note
                ],
            }
            for plan in plans
        },
    }
