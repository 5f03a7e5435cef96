"""`ops tune`: table statistics from the engine, turned into maintenance recommendations.

Databricks: `DESCRIBE DETAIL` per table (numFiles, sizeInBytes, clusteringColumns,
partitionColumns, properties). DuckDB: its own storage information (`duckdb_tables()`
estimated rows, `pragma_storage_info` row groups and blocks; `pragma database_size` free
blocks). The YAML's declared physical design (dbt-databricks configs `liquid_clustered_by`,
`auto_liquid_cluster`, `zorder`, `partition_by`) is compared with what the engine reports.

Thresholds (docs/RUNBOOK.md "Tuning"; Databricks' OPTIMIZE targets ~1 GB files and its
docs recommend clustering above ~1 GB -- docs "Optimize data file layout", "Use liquid
clustering for tables"):
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from lakehouse_bi.identifiers import (
    canonical_relation,
    quote_identifier,
    quote_relation,
    sql_literal,
)
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import Warehouse

logger = logging.getLogger(__name__)
MB = 1024 * 1024
# Compaction: many files, small on average -> OPTIMIZE (bin-packing), and turn on
# optimizeWrite/autoCompact so the next writes do not re-fragment the table.
SMALL_FILE_BYTES = 32 * MB
MIN_FILES_FOR_COMPACTION = 50
# Clustering: a table this large without clustering or partitions is read in full by every
# filter on it -> CLUSTER BY the columns the marts and dashboards filter on (or AUTO).
CLUSTER_MIN_BYTES = 1024 * MB
# Columns the marts and dashboards filter and join on (docs/ARCHITECTURE.md), in order of
# preference; the first two present become the suggested clustering keys.
FILTER_COLUMNS = ("order_date", "event_date", "date_day", "customer_id", "country", "product_id")
# DuckDB: min-max zonemaps prune per row group (122,880 rows); above this many row groups the
# insertion order matters, so order the table by its clustering keys.
DUCKDB_ROW_GROUPS_FOR_ORDERING = 8
# DuckDB: share of free blocks in the file above which a CHECKPOINT / rewrite reclaims space.
DUCKDB_FREE_BLOCK_SHARE = 0.5


@dataclass
class TableStats:
    table: str  # relation as the engine names it
    model: str
    size_bytes: int | None
    files: int | None  # Delta data files; DuckDB row groups
    rows: int | None
    clustering: list[str] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    declared_clustering: list[str] = field(default_factory=list)  # [] none, ["AUTO"] auto
    columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Recommendation:
    table: str
    action: str  # OPTIMIZE, CLUSTER BY, SET TBLPROPERTIES, ORDER BY, CHECKPOINT, none
    reason: str
    sql: str = ""


def declared_clustering(node: dict[str, Any]) -> list[str]:
    config = node.get("config", {})
    if config.get("auto_liquid_cluster"):
        return ["AUTO"]
    keys = config.get("liquid_clustered_by") or config.get("cluster_by") or []
    return [keys] if isinstance(keys, str) else list(keys)


def project_tables(manifest: Manifest) -> list[dict[str, Any]]:
    """The project's table and incremental models (views have no storage to tune)."""
    return sorted(
        (
            node
            for node in manifest.data["nodes"].values()
            if node["resource_type"] == "model"
            and node["package_name"] == manifest.project_name
            and node.get("config", {}).get("materialized") in ("table", "incremental")
            and node.get("config", {}).get("enabled", True)
        ),
        key=lambda node: node["relation_name"],
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.strip("[]")
        return [part.strip().strip('"') for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


def _where(manifest: Manifest, node: dict[str, Any], key: str) -> str:
    return f"{key} of model {node['name']} in {manifest.path}"


def _relation(manifest: Manifest, node: dict[str, Any], engine: str) -> str:
    return canonical_relation(
        node["relation_name"], engine, _where(manifest, node, "relation_name")
    )


def databricks_stats(warehouse: Warehouse, manifest: Manifest) -> list[TableStats]:
    """DESCRIBE DETAIL of every table model. A relation_name that is not a table name (see
    lakehouse_bi.identifiers) is a ConfigError before any statement runs."""
    relations = [_relation(manifest, node, "databricks") for node in project_tables(manifest)]
    stats = []
    for node, relation in zip(project_tables(manifest), relations, strict=True):
        try:
            (detail,) = warehouse.records(f"DESCRIBE DETAIL {relation}")
        except Exception as error:  # not built yet: validate-deployment reports that
            logger.warning("skipped %s: %s", relation, str(error).splitlines()[0])
            continue
        stats.append(
            TableStats(
                table=relation,
                model=node["name"],
                size_bytes=int(detail.get("sizeInBytes") or 0),
                files=int(detail.get("numFiles") or 0),
                rows=None,
                clustering=_as_list(detail.get("clusteringColumns")),
                partitions=_as_list(detail.get("partitionColumns")),
                properties={
                    str(k): str(v) for k, v in dict(detail.get("properties") or {}).items()
                },
                declared_clustering=declared_clustering(node),
                columns=[c.lower() for c in node.get("columns", {})],
            )
        )
    return stats


def duckdb_stats(warehouse: Warehouse, manifest: Manifest) -> tuple[list[TableStats], float]:
    """Rows, row groups and bytes (distinct blocks x block size) of every table model, and
    the share of free blocks in the database file. Schema, alias and relation_name reach SQL
    only as escaped literals / quoted names; a control character in one, or a relation_name
    that is not a table name, is a ConfigError before any statement runs."""
    tables = []
    for node in project_tables(manifest):
        schema, name = node["schema"], node.get("alias") or node["name"]
        literals = (
            sql_literal(schema, "duckdb", _where(manifest, node, "schema")),
            sql_literal(name, "duckdb", _where(manifest, node, "alias")),
        )
        qualified = quote_relation((schema, name), "duckdb")
        tables.append((node, _relation(manifest, node, "duckdb"), literals, qualified))
    (size,) = warehouse.records("pragma database_size")
    block_size = int(size["block_size"])
    free_share = int(size["free_blocks"]) / max(int(size["total_blocks"]), 1)
    stats = []
    for node, relation, (schema_literal, name_literal), qualified in tables:
        match = f"schema_name = {schema_literal} and table_name = {name_literal}"
        rows = warehouse.query(f"select estimated_size from duckdb_tables() where {match}")
        if not rows:
            continue  # not built: validate-deployment reports it
        groups, blocks = warehouse.query(
            "select count(distinct row_group_id), count(distinct block_id) "
            f"from pragma_storage_info({sql_literal(qualified, 'duckdb')})"
        )[0]
        columns = [
            r[0]
            for r in warehouse.query(
                "select column_name from information_schema.columns "
                f"where table_schema = {schema_literal} and table_name = {name_literal}"
            )
        ]
        stats.append(
            TableStats(
                table=relation,
                model=node["name"],
                size_bytes=int(blocks) * block_size,
                files=int(groups),
                rows=int(rows[0][0]),
                declared_clustering=declared_clustering(node),
                columns=[c.lower() for c in columns],
            )
        )
    return stats, free_share


def _suggested_keys(stats: TableStats) -> list[str]:
    if stats.declared_clustering:
        return stats.declared_clustering
    present = [column for column in FILTER_COLUMNS if column in stats.columns]
    return present[:2] or ["AUTO"]


def _cluster_sql(table: str, keys: list[str]) -> str:
    """The advised DDL for a canonical (quoted) `table`; every clustering key (from the YAML
    or `--vars`) quoted, so a key holding SQL prints as a name, never as a statement."""
    if keys == ["AUTO"]:
        clause = "AUTO"
    else:
        quoted = (quote_identifier(key, "databricks", f"clustering key of {table}") for key in keys)
        clause = f"({', '.join(quoted)})"
    return f"ALTER TABLE {table} CLUSTER BY {clause}; OPTIMIZE {table}"


def recommend_databricks(stats: list[TableStats]) -> list[Recommendation]:
    """Per table: clustering drift or missing clustering, compaction, write properties."""
    out = []
    for table in stats:
        relation = canonical_relation(table.table, "databricks", f"table {table.table!r}")
        found = []
        declared = [k.lower() for k in table.declared_clustering]
        actual = [k.lower() for k in table.clustering]
        if declared and declared != ["auto"] and declared != actual:
            found.append(
                Recommendation(
                    table.table,
                    "CLUSTER BY",
                    f"YAML declares clustering ({', '.join(declared)}), table has "
                    f"({', '.join(actual) or 'none'}): re-deploy or alter, then OPTIMIZE",
                    _cluster_sql(relation, table.declared_clustering),
                )
            )
        elif (
            not actual
            and not table.partitions
            and not declared
            and (table.size_bytes or 0) >= CLUSTER_MIN_BYTES
        ):
            keys = _suggested_keys(table)
            found.append(
                Recommendation(
                    table.table,
                    "CLUSTER BY",
                    f"{(table.size_bytes or 0) / MB:,.0f} MB without clustering or partitions "
                    f"(>= {CLUSTER_MIN_BYTES // MB} MB): set liquid_clustered_by in its YAML",
                    _cluster_sql(relation, keys),
                )
            )
        files = table.files or 0
        if files >= MIN_FILES_FOR_COMPACTION and (table.size_bytes or 0) / files < SMALL_FILE_BYTES:
            average = (table.size_bytes or 0) / files / MB
            found.append(
                Recommendation(
                    table.table,
                    "OPTIMIZE",
                    f"{files} files averaging {average:.1f} MB (< {SMALL_FILE_BYTES // MB} MB, "
                    f">= {MIN_FILES_FOR_COMPACTION} files): compact",
                    f"OPTIMIZE {relation}",
                )
            )
            missing = [
                key
                for key in ("delta.autoOptimize.optimizeWrite", "delta.autoOptimize.autoCompact")
                if table.properties.get(key, "").lower() != "true"
            ]
            if missing:
                settings = ", ".join(f"'{key}' = 'true'" for key in missing)
                found.append(
                    Recommendation(
                        table.table,
                        "SET TBLPROPERTIES",
                        "small files keep coming: let writes bin-pack (add to the layer's "
                        "tblproperties in dbt_project.yml)",
                        f"ALTER TABLE {relation} SET TBLPROPERTIES ({settings})",
                    )
                )
        out += found or [Recommendation(table.table, "none", "within thresholds")]
    return out


def recommend_duckdb(stats: list[TableStats], free_share: float) -> list[Recommendation]:
    """Per table: order by clustering keys when it spans many row groups; for the file:
    CHECKPOINT when many blocks are free."""
    out = []
    for table in stats:
        if (table.files or 0) >= DUCKDB_ROW_GROUPS_FOR_ORDERING:
            keys = [k for k in _suggested_keys(table) if k != "AUTO"]
            if keys:
                out.append(
                    Recommendation(
                        table.table,
                        "ORDER BY",
                        f"{table.files} row groups (>= {DUCKDB_ROW_GROUPS_FOR_ORDERING}): "
                        f"zonemaps prune only if rows are ordered by the filter keys",
                        f"order the model's final select by {', '.join(keys)}",
                    )
                )
                continue
        out.append(Recommendation(table.table, "none", "within thresholds"))
    if free_share >= DUCKDB_FREE_BLOCK_SHARE:
        out.append(
            Recommendation(
                "(database file)",
                "CHECKPOINT",
                f"{free_share:.0%} of blocks are free (>= {DUCKDB_FREE_BLOCK_SHARE:.0%})",
                "CHECKPOINT  -- or `make clean build` to rewrite the file",
            )
        )
    return out
