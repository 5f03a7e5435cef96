"""Migration DDL for a schema change, per engine, with what cannot be done in place.

DuckDB rewrites a column on `ALTER COLUMN ... TYPE` and refuses values that do not convert,
so every change has DDL there (narrowing and incompatible changes get a check to run first).
Delta on Databricks alters in place only what its type widening feature allows (Databricks
Runtime 15.4 LTS+, https://docs.databricks.com/delta/type-widening.html) and drops a column
only with column mapping on; anything else needs the table rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from lakehouse_bi.identifiers import quote_identifier
from lakehouse_bi.schema.column_types import INTEGERS, Type, decimal_digits, render_type
from lakehouse_bi.schema.compare import ChangeKind, SchemaChange

# Delta type widening: source type -> wider types it can be altered to in place.
_DELTA_WIDENING = {
    Type.TINYINT: {Type.SMALLINT, Type.INT, Type.BIGINT, Type.DECIMAL, Type.DOUBLE},
    Type.SMALLINT: {Type.INT, Type.BIGINT, Type.DECIMAL, Type.DOUBLE},
    Type.INT: {Type.BIGINT, Type.DECIMAL, Type.DOUBLE},
    Type.BIGINT: {Type.DECIMAL},
    Type.FLOAT: {Type.DOUBLE},
    Type.DECIMAL: {Type.DECIMAL},
    Type.DATE: {Type.TIMESTAMPNTZ},
}
# Smallest integer digits Delta accepts when an integer becomes a decimal.
_DELTA_DECIMAL_DIGITS = {Type.TINYINT: 10, Type.SMALLINT: 10, Type.INT: 10, Type.BIGINT: 20}
_ENABLE_TYPE_WIDENING = "SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')"
_ENABLE_COLUMN_MAPPING = (
    "SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name', "
    "'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')"
)


@dataclass(frozen=True)
class Step:
    """What one change needs on one engine: DDL to run in order, and what to know first.
    `needs_rewrite`: no in-place DDL exists; `statements` is then empty."""

    change: SchemaChange
    statements: tuple[str, ...] = ()
    note: str | None = None
    needs_rewrite: bool = False


@dataclass
class MigrationPlan:
    engine: str
    table: str
    steps: list[Step] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        """Every statement in order, each table property set once."""
        seen: set[str] = set()
        ordered = []
        for step in self.steps:
            for statement in step.statements:
                if statement not in seen:
                    seen.add(statement)
                    ordered.append(statement)
        return ordered

    @property
    def rewrites(self) -> list[Step]:
        return [step for step in self.steps if step.needs_rewrite]

    def sql(self) -> str:
        return "".join(f"{statement};\n" for statement in self.statements)


def plan_migration(changes: list[SchemaChange], table: str, engine: str) -> MigrationPlan:
    """DDL that takes `table` from the old schema to the new one on `engine`."""
    plan = MigrationPlan(engine, table)
    if engine == "duckdb":
        plan.steps = [_duckdb_step(change, table) for change in changes]
    else:
        plan.steps = _databricks_steps(changes, table)
    return plan


def quote_name(name: str, engine: str) -> str:
    """`name` quoted for `engine` (lakehouse_bi.identifiers.quote_identifier): ConfigError for
    an empty name or a control character."""
    return quote_identifier(name, engine, "column or table name")


def quote_table(table: str, engine: str) -> str:
    """Each dot-separated part of `table` quoted for `engine`."""
    return ".".join(quote_name(part, engine) for part in table.split("."))


def _duckdb_step(change: SchemaChange, table: str) -> Step:
    alter = f"ALTER TABLE {quote_table(table, 'duckdb')}"
    column = quote_name(change.column, "duckdb")
    if change.kind is ChangeKind.ADDED:
        new_type = render_type(change.new_type, "duckdb")
        return Step(change, (f"{alter} ADD COLUMN {column} {new_type}",))
    if change.kind is ChangeKind.DROPPED:
        return Step(
            change,
            (f"{alter} DROP COLUMN {column}",),
            note="deletes the column's data; bronze never drops columns (keep it, null-filled)",
        )
    new_type = render_type(change.new_type, "duckdb")
    statement = f"{alter} ALTER COLUMN {column} TYPE {new_type}"
    if change.kind is ChangeKind.WIDENED:
        return Step(change, (statement,))
    check = (
        f"SELECT count(*) FROM {quote_table(table, 'duckdb')} "
        f"WHERE {column} IS NOT NULL AND try_cast({column} AS {new_type}) IS NULL"
    )
    return Step(
        change,
        (statement,),
        note=f"{change.kind.value}: DuckDB rewrites the column and fails if a value does not "
        f"convert; values that would not: {check}",
    )


def _databricks_steps(changes: list[SchemaChange], table: str) -> list[Step]:
    alter = f"ALTER TABLE {quote_table(table, 'databricks')}"
    added = [c for c in changes if c.kind is ChangeKind.ADDED]
    steps = []
    if added:
        columns = ", ".join(
            f"{quote_name(c.column, 'databricks')} {render_type(c.new_type, 'databricks')}"
            for c in added
        )
        statement = f"{alter} ADD COLUMNS ({columns})"
        steps += [Step(change, (statement,)) for change in added]
    for change in changes:
        column = quote_name(change.column, "databricks")
        if change.kind is ChangeKind.DROPPED:
            steps.append(
                Step(
                    change,
                    (f"{alter} {_ENABLE_COLUMN_MAPPING}", f"{alter} DROP COLUMNS ({column})"),
                    note="Delta drops a column only with column mapping: this upgrades the "
                    "table protocol (readers need column mapping support) and cannot be "
                    "undone; the data stays in the files until REORG ... APPLY (PURGE). "
                    "Bronze never drops columns.",
                )
            )
        elif change.kind is not ChangeKind.ADDED:
            steps.append(_databricks_type_step(change, alter, column))
    return steps


def _databricks_type_step(change: SchemaChange, alter: str, column: str) -> Step:
    old, new = change.old_type, change.new_type
    new_type = render_type(new, "databricks")
    if change.kind is ChangeKind.WIDENED and _delta_widens(old, new):
        return Step(
            change,
            (f"{alter} {_ENABLE_TYPE_WIDENING}", f"{alter} ALTER COLUMN {column} TYPE {new_type}"),
            note="Delta type widening (Databricks Runtime 15.4 LTS+): upgrades the table "
            "protocol; no data file is rewritten.",
        )
    why = {
        ChangeKind.WIDENED: "a widening Delta type widening does not support",
        ChangeKind.NARROWED: "narrowing",
        ChangeKind.CHANGED: "an incompatible type change",
    }[change.kind]
    return Step(
        change,
        note=f"{why}: Delta cannot alter {render_type(old, 'databricks')} to {new_type} in "
        f"place. Rewrite the table: CREATE OR REPLACE TABLE ... AS SELECT with "
        f"try_cast({column} AS {new_type}) (check the rows where it is null first), or add "
        f"a new column and backfill it.",
        needs_rewrite=True,
    )


def _delta_widens(old: exp.DataType, new: exp.DataType) -> bool:
    if old.this == Type.NULL:
        return True
    if new.this not in _DELTA_WIDENING.get(old.this, set()):
        return False
    if new.this == Type.DECIMAL and old.this in INTEGERS:
        precision, scale = decimal_digits(new)
        return precision - scale >= _DELTA_DECIMAL_DIGITS[old.this]
    if new.this == Type.DECIMAL:  # decimal(p, s) -> decimal(p + k1, s + k2), k1 >= k2 >= 0
        (p1, s1), (p2, s2) = decimal_digits(old), decimal_digits(new)
        return p2 - p1 >= s2 - s1 >= 0
    return True
