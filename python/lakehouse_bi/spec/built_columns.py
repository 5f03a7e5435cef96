"""The columns each project model's built relation has, read from a DuckDB warehouse's
information_schema (the local target), for the documentation check of built columns."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.spec.model_quality import project_models


def duckdb_model_columns(database: Path, manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """model name -> its relation's columns in table order, for every project model of the
    manifest (parsed for the target that built `database`) found in the database; models not
    built there are left out. Raises ConfigError when the database file does not exist."""
    if not database.is_file():
        raise ConfigError(
            f"No DuckDB warehouse at {database}.",
            "Build the project first (`make demo` or `dbt build` on the local target).",
        )
    wanted = {
        (node["schema"].lower(), (node.get("alias") or node["name"]).lower()): node["name"]
        for node in project_models(manifest)
    }
    found: dict[str, list[str]] = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
    for schema, table, column in rows:
        name = wanted.get((schema.lower(), table.lower()))
        if name is not None:
            found.setdefault(name, []).append(column)
    return found
