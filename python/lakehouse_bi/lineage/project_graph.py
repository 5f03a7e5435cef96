"""The dbt project as lineage needs it: nodes, their relations and their columns.

Columns come from target/catalog.json (`dbt docs generate`) when it has the relation;
otherwise from the declared source columns, the seed's CSV header, or the output of the
node's own compiled SQL, derived upstream-first so `select *` can be expanded.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify

from lakehouse_bi.errors import ConfigError

DIALECTS = {"duckdb": "duckdb", "databricks": "databricks", "spark": "spark"}
LINEAGE_TYPES = ("model", "seed", "snapshot", "source")
_UNKNOWN_TYPE = "unknown"
_SNAPSHOT_META_COLUMNS = {
    "dbt_scd_id": "dbt_scd_id",
    "dbt_updated_at": "dbt_updated_at",
    "dbt_valid_from": "dbt_valid_from",
    "dbt_valid_to": "dbt_valid_to",
}


@dataclass
class GraphNode:
    unique_id: str
    resource_type: str
    package_name: str
    database: str
    schema: str
    name: str  # the relation's identifier (alias)
    depends_on: list[str]
    compiled_code: str | None
    columns: dict[str, str] = field(default_factory=dict)  # name -> type
    materialized: str | None = None
    added_columns: list[str] = field(default_factory=list)  # a snapshot's meta columns

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.database.lower(), self.schema.lower(), self.name.lower())

    @property
    def label(self) -> str:
        """`schema.relation`: how people name a table, the same on both engines."""
        return f"{self.schema}.{self.name}".lower()


def _load_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(
            f"No {what} at {path}.",
            "Run `dbt compile` or `dbt docs generate` first (make docs does both).",
        )
    return json.loads(path.read_text())


def _snapshot_meta_columns(config: dict[str, Any]) -> list[str]:
    """The columns a snapshot adds to its select, under their configured names."""
    renamed = {k: v for k, v in (config.get("snapshot_meta_column_names") or {}).items() if v}
    added = dict(_SNAPSHOT_META_COLUMNS)
    if config.get("hard_deletes") == "new_record":
        added["dbt_is_deleted"] = "dbt_is_deleted"
    return [renamed.get(key, name) for key, name in added.items()]


def _graph_node(unique_id: str, raw: dict[str, Any]) -> GraphNode:
    added = []
    if raw["resource_type"] == "snapshot":
        added = _snapshot_meta_columns(raw.get("config", {}))
    return GraphNode(
        unique_id=unique_id,
        resource_type=raw["resource_type"],
        package_name=raw["package_name"],
        database=raw.get("database") or "",
        schema=raw.get("schema") or "",
        name=raw.get("alias") or raw.get("identifier") or raw["name"],
        depends_on=list(raw.get("depends_on", {}).get("nodes", [])),
        compiled_code=raw.get("compiled_code"),
        added_columns=added,
        materialized=(raw.get("config") or {}).get("materialized"),
    )


@dataclass
class ProjectGraph:
    project_name: str
    dialect: str
    nodes: dict[str, GraphNode]
    seed_files: dict[str, Path]
    declared_columns: dict[str, list[str]]

    @classmethod
    def load(cls, manifest_path: Path, catalog_path: Path | None = None) -> ProjectGraph:
        manifest = _load_json(manifest_path, "dbt manifest")
        metadata = manifest["metadata"]
        nodes: dict[str, GraphNode] = {}
        seed_files: dict[str, Path] = {}
        declared: dict[str, list[str]] = {}
        for unique_id, raw in {**manifest["nodes"], **manifest["sources"]}.items():
            if raw["resource_type"] not in LINEAGE_TYPES:
                continue
            nodes[unique_id] = _graph_node(unique_id, raw)
            declared[unique_id] = list(raw.get("columns", {}))
            if raw["resource_type"] == "seed":
                seed_files[unique_id] = Path(raw["root_path"]) / raw["original_file_path"]
        graph = cls(
            project_name=metadata["project_name"],
            dialect=DIALECTS.get(metadata["adapter_type"], metadata["adapter_type"]),
            nodes=nodes,
            seed_files=seed_files,
            declared_columns=declared,
        )
        if catalog_path is not None and catalog_path.is_file():
            graph._apply_catalog(json.loads(catalog_path.read_text()))
        graph._derive_missing_columns()
        return graph

    def by_relation(self) -> dict[tuple[str, str, str], GraphNode]:
        return {node.key: node for node in self.nodes.values()}

    def topological_order(self) -> list[GraphNode]:
        sorter = TopologicalSorter(
            {
                uid: [d for d in node.depends_on if d in self.nodes]
                for uid, node in self.nodes.items()
            }
        )
        return [self.nodes[uid] for uid in sorter.static_order()]

    def sqlglot_schema(self) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for node in self.nodes.values():
            if node.columns:
                database, db, name = node.key
                schema.setdefault(database, {}).setdefault(db, {})[name] = dict(node.columns)
        return schema

    # -- columns ----------------------------------------------------------------------------

    def _apply_catalog(self, catalog: dict[str, Any]) -> None:
        for unique_id, entry in {**catalog.get("nodes", {}), **catalog.get("sources", {})}.items():
            if unique_id in self.nodes:
                self.nodes[unique_id].columns = {
                    name.lower(): column.get("type") or _UNKNOWN_TYPE
                    for name, column in entry.get("columns", {}).items()
                }

    def _derive_missing_columns(self) -> None:
        for node in self.topological_order():
            if node.columns:
                continue
            names = self._declared_or_seed_columns(node) or [
                *self.output_columns(node),
                *node.added_columns,
            ]
            node.columns = {name.lower(): _UNKNOWN_TYPE for name in names}

    def _declared_or_seed_columns(self, node: GraphNode) -> list[str]:
        if node.resource_type == "seed" and node.unique_id in self.seed_files:
            path = self.seed_files[node.unique_id]
            if path.is_file():
                with path.open(newline="") as handle:
                    return next(csv.reader(handle), [])
        if node.resource_type == "source":
            return self.declared_columns.get(node.unique_id, [])
        return []

    def parse(self, node: GraphNode) -> exp.Expression | None:
        """The node's compiled SQL, qualified against the known upstream columns."""
        if not node.compiled_code:
            return None
        expression = sqlglot.parse_one(node.compiled_code, dialect=self.dialect)
        return qualify(
            expression,
            schema=self.sqlglot_schema(),
            dialect=self.dialect,
            validate_qualify_columns=False,
            identify=False,
        )

    def output_columns(self, node: GraphNode) -> list[str]:
        try:
            expression = self.parse(node)
        except (SqlglotError, ValueError, KeyError, RecursionError):
            return []
        if not isinstance(expression, exp.Query):
            return []
        return [select.alias_or_name for select in expression.selects if select.alias_or_name]
