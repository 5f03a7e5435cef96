"""Row counts per layer of the local DuckDB warehouse, for the demo summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

LAYERS = ("bronze", "silver", "gold")


@dataclass(frozen=True)
class TableCount:
    layer: str
    table: str
    rows: int


def count_rows(database: Path, layers: tuple[str, ...] = LAYERS) -> list[TableCount]:
    """Rows of every table and view in the given layer schemas (read-only connection)."""
    counts = []
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) order by table_schema, table_name",
            [list(layers)],
        ).fetchall()
        for schema, table in tables:
            (rows,) = connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            counts.append(TableCount(schema, table, rows))
    return counts
