"""The project's nodes as the policy checks see them, from a dbt manifest (and catalog)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.manifest import read_manifest_json

GOVERNED_TYPES = ("model", "seed", "snapshot")


@dataclass(frozen=True)
class Node:
    """A model, seed, snapshot or source table with its resolved config and YAML-declared
    columns. A source's `name` is `<source>.<table>` (`landing.customers`)."""

    unique_id: str
    resource_type: str
    name: str
    database: str
    yaml_file: str
    config: dict[str, Any]
    columns: dict[str, dict[str, Any]]
    built_columns: frozenset[str] | None = field(default=None)  # from the catalog, lowercased
    depends_on: tuple[str, ...] = ()  # unique ids of the nodes and sources it reads

    def key(self, *parts: str) -> str:
        """`models[dim_customer].columns[email].column_mask`-style key of this node."""
        return ".".join([f"{self.resource_type}s[{self.name}]", *parts])

    @property
    def label(self) -> str:
        """How messages name the relation: `model stg_landing__customers`,
        `source landing.customers`."""
        return f"{self.resource_type} {self.name}"

    @property
    def materialized(self) -> str:
        """The materialization (`table`, `view`, `incremental`, `snapshot`, `seed`, ...)."""
        return str(self.config.get("materialized") or self.resource_type)

    def classification(self, column: str) -> str | None:
        """The column's own `meta.classification` (column names compare lowercased)."""
        for name, entry in self.columns.items():
            if name.lower() == column.lower():
                return (entry.get("meta") or {}).get("classification")
        return None

    @property
    def grants(self) -> dict[str, list[str]]:
        return {
            privilege: [roles] if isinstance(roles, str) else list(roles)
            for privilege, roles in (self.config.get("grants") or {}).items()
        }

    @property
    def table_tags(self) -> dict[str, Any]:
        return self.config.get("databricks_tags") or {}


def load_nodes(manifest_path: Path, catalog_path: Path | None = None) -> list[Node]:
    """The project's governed nodes (models, seeds, snapshots). Raises ConfigError naming
    --manifest / --catalog when a file is not JSON or not a dbt manifest."""
    manifest = _read_manifest(manifest_path)
    project = manifest["metadata"].get("project_name")
    built = _catalog_columns(catalog_path) if catalog_path else {}
    return [
        Node(
            unique_id=node["unique_id"],
            resource_type=node["resource_type"],
            name=node["name"],
            database=node.get("database") or "",
            yaml_file=_yaml_file(node),
            config=node.get("config") or {},
            columns=node.get("columns") or {},
            built_columns=built.get(node["unique_id"]),
            depends_on=tuple((node.get("depends_on") or {}).get("nodes") or ()),
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] in GOVERNED_TYPES and node.get("package_name") == project
    ]


def load_sources(manifest_path: Path) -> list[Node]:
    """The project's source tables, whose column `meta.classification` is where lineage
    starts (`landing.customers.email: pii`). Raises ConfigError like `load_nodes`."""
    manifest = _read_manifest(manifest_path)
    project = manifest["metadata"].get("project_name")
    return [
        Node(
            unique_id=source["unique_id"],
            resource_type="source",
            name=f"{source['source_name']}.{source['name']}",
            database=source.get("database") or "",
            yaml_file=source.get("original_file_path") or "",
            config=source.get("config") or {},
            columns=source.get("columns") or {},
        )
        for source in (manifest.get("sources") or {}).values()
        if source.get("package_name") == project
    ]


def _read_manifest(manifest_path: Path) -> dict[str, Any]:
    manifest = read_manifest_json(manifest_path, "--manifest")
    if not isinstance(manifest.get("metadata"), dict) or not isinstance(
        manifest.get("nodes"), dict
    ):
        raise ConfigError(
            f"--manifest {manifest_path} is not a dbt manifest (no metadata and nodes).",
            "Pass target/manifest.json as written by `dbt parse --target <t>`.",
        )
    return manifest


def _yaml_file(node: dict[str, Any]) -> str:
    """Where the node's policy is written: its properties YAML, else its own file."""
    patch_path = node.get("patch_path") or ""
    return patch_path.split("://", 1)[-1] or node["original_file_path"]


def _catalog_columns(catalog_path: Path) -> dict[str, frozenset[str]]:
    catalog = read_manifest_json(catalog_path, "--catalog")
    return {
        unique_id: frozenset(name.lower() for name in entry.get("columns", {}))
        for unique_id, entry in catalog.get("nodes", {}).items()
    }
