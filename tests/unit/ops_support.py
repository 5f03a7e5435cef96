"""Shared by the ops tests: a throwaway dbt project folder (dbt_project.yml, profiles.yml with a
DuckDB and a Databricks target), a hand-written manifest, and a fake databricks-sql-connector
connection that answers scripted statements and sends everything else to DuckDB."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import sqlglot

PROFILES = """
lakehouse_bi:
  target: local
  outputs:
    local: {type: duckdb, path: warehouse.duckdb, schema: main}
    prod: {type: databricks, host: h, http_path: p, catalog: lakehouse_bi_prod, schema: main}
"""


def model_node(
    name: str,
    schema: str,
    columns: dict[str, str | None],
    *,
    engine: str = "duckdb",
    database: str = "warehouse",
    materialized: str = "table",
    meta: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    quote = '"' if engine == "duckdb" else "`"
    relation = ".".join(f"{quote}{part}{quote}" for part in (database, schema, name))
    node = {
        "resource_type": "model",
        "package_name": "lakehouse_bi",
        "name": name,
        "alias": name,
        "database": database,
        "schema": schema,
        "relation_name": relation,
        "config": {
            "materialized": materialized,
            "enabled": True,
            "meta": meta or {},
            **(config or {}),
        },
        "meta": {},
        "columns": {
            column: {"name": column, "data_type": data_type}
            for column, data_type in columns.items()
        },
    }
    return f"model.lakehouse_bi.{name}", node


def write_manifest(path: Path, engine: str, nodes: list[tuple[str, dict[str, Any]]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "metadata": {"adapter_type": engine, "project_name": "lakehouse_bi"},
                "nodes": dict(nodes),
                "sources": {},
            }
        )
    )
    return path


def make_project(root: Path, monkeypatch) -> Path:
    """A project folder the CLI finds from the cwd; DuckDB file and dbt target inside it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: lakehouse_bi\nprofile: lakehouse_bi\n")
    (root / "profiles.yml").write_text(PROFILES)
    monkeypatch.chdir(root)
    monkeypatch.setenv("LAKEHOUSE_BI_DUCKDB_PATH", str(root / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(root / "target"))
    monkeypatch.delenv("DBT_TARGET", raising=False)
    for name in ("SLACK_WEBHOOK", "TEAMS_WEBHOOK", "SLACK_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return root


Answer = tuple[list[str], list[tuple]] | Callable[[str], tuple[list[str], list[tuple]]]


class FakeCursor:
    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection
        self.description: list[tuple] | None = None
        self._rows: list[tuple] = []

    def execute(self, sql: str, parameters: Any = None) -> None:
        self.connection.statements.append(sql)
        for pattern, answer in self.connection.answers:
            if re.search(pattern, sql, re.IGNORECASE | re.DOTALL):
                names, rows = answer(sql) if callable(answer) else answer
                self.description = [(name, "string") for name in names]
                self._rows = list(rows)
                return
        if self.connection.duck is None:
            raise RuntimeError(f"[TABLE_OR_VIEW_NOT_FOUND] no scripted answer for: {sql}")
        duck_sql = sqlglot.transpile(sql, read="databricks", write="duckdb")[0]
        result = self.connection.duck.execute(duck_sql)
        self.description = result.description
        self._rows = result.fetchall()

    def fetchall(self) -> list[tuple]:
        return self._rows

    def close(self) -> None:
        pass


class FakeConnection:
    """databricks.sql connection stand-in: `answers` are (regex, (columns, rows) or a function
    of the SQL); anything else runs on `duck` after transpiling Databricks SQL to DuckDB."""

    def __init__(self, duck: duckdb.DuckDBPyConnection | None = None) -> None:
        self.duck = duck
        self.answers: list[tuple[str, Answer]] = []
        self.statements: list[str] = []
        self.connect_kwargs: dict[str, Any] = {}
        self.closed = False

    def answer(self, pattern: str, answer: Answer) -> None:
        self.answers.append((pattern, answer))

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True

    def connect(self, **kwargs: Any) -> FakeConnection:
        """Drop-in for databricks.sql.connect."""
        self.connect_kwargs = kwargs
        return self


DATABRICKS_ENV = {
    "DATABRICKS_HOST": "https://dbc-test.cloud.databricks.com",
    "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc",
    "DATABRICKS_TOKEN": "dapi-test-token",  # pragma: allowlist secret
}
