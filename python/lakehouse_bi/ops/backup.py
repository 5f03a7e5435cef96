"""`ops backup-metadata`: what a workspace would need to be rebuilt, as JSON files.

Databricks (databricks-sdk, REST paths at v0.117.0): per catalog the catalog, its schemas,
tables with columns, column masks and row filters (`TableInfo`), the mask/filter functions,
tags of catalog, schemas, tables and columns (`entity-tag-assignments`), grants on each
(`unity-catalog/permissions`); the workspace's job definitions (`jobs/get`) and AI/BI
dashboards with their serialized definition (`lakeview/dashboards/{id}`).

DuckDB: tables and columns (information_schema); the manifest file says which parts do not
apply and why (DuckDB has no Unity Catalog, grants, tags, masks, jobs or dashboards).

Files written to the output folder: `backup_manifest.json` (when, engine, counts, what was
skipped), `catalog_<name>.json` per catalog, `jobs.json`, `dashboards.json`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.identifiers import sql_literal
from lakehouse_bi.ops.warehouse import Warehouse
from lakehouse_bi.ops.workspace import sdk_call

NOT_ON_DUCKDB = {
    "tags": "DuckDB has no tags (Unity Catalog only)",
    "grants": "DuckDB has no grants: access is whoever can read the file",
    "column_masks": "DuckDB has no column masks (Unity Catalog only)",
    "row_filters": "DuckDB has no row filters (Unity Catalog only)",
    "jobs": "jobs run on Databricks (Lakeflow Jobs); locally `make build` is the job",
    "dashboards": "AI/BI dashboards exist only in a Databricks workspace",
}


def _dict(item: Any) -> dict[str, Any]:
    return item.as_dict() if hasattr(item, "as_dict") else dict(item)


def write_json(path: Path, data: Any) -> None:
    """Pretty, key-sorted JSON (diff-friendly between two backups)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file.", "Pass a folder (it is created if absent).")
    out.mkdir(parents=True, exist_ok=True)


def backup_duckdb(warehouse: Warehouse, schemas: Iterable[str], out: Path) -> dict[str, Any]:
    """Tables and columns of `schemas` in the DuckDB file; returns the backup manifest."""
    _prepare(out)
    schema_list = sorted({schema.lower() for schema in schemas})
    literals = ", ".join(sql_literal(schema, "duckdb", "model schema") for schema in schema_list)
    tables = warehouse.records(
        "select table_catalog, table_schema, table_name, table_type from "
        f"information_schema.tables where lower(table_schema) in ({literals}) "
        "order by table_schema, table_name"
    )
    columns = warehouse.records(
        "select table_schema, table_name, column_name, ordinal_position, data_type, "
        f"is_nullable from information_schema.columns where lower(table_schema) in ({literals}) "
        "order by table_schema, table_name, ordinal_position"
    )
    by_table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for column in columns:
        by_table.setdefault((column["table_schema"], column["table_name"]), []).append(
            {
                key: column[key]
                for key in ("column_name", "ordinal_position", "data_type", "is_nullable")
            }
        )
    for table in tables:
        table["columns"] = by_table.get((table["table_schema"], table["table_name"]), [])
    catalog = tables[0]["table_catalog"] if tables else "duckdb"
    write_json(out / f"catalog_{catalog}.json", {"catalog": catalog, "tables": tables})
    manifest = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "engine": "duckdb",
        "schemas": schema_list,
        "counts": {"tables": len(tables), "columns": len(columns)},
        "not_applicable": NOT_ON_DUCKDB,
        "files": [f"catalog_{catalog}.json"],
    }
    write_json(out / "backup_manifest.json", manifest)
    return manifest


def _tags(client: Any, entity_type: str, name: str) -> list[dict[str, Any]]:
    return [
        _dict(tag)
        for tag in sdk_call(
            f"tags of {entity_type} {name}",
            lambda: list(client.entity_tag_assignments.list(entity_type, name)),
        )
    ]


def _grants(client: Any, securable_type: str, name: str) -> list[dict[str, Any]]:
    response = sdk_call(
        f"grants on {securable_type} {name}", lambda: client.grants.get(securable_type, name)
    )
    return [_dict(assignment) for assignment in response.privilege_assignments or []]


def _catalog_backup(client: Any, catalog: str, schemas: set[str] | None) -> dict[str, Any]:
    info = _dict(sdk_call(f"catalog {catalog}", lambda: client.catalogs.get(catalog)))
    result: dict[str, Any] = {
        "catalog": info,
        "tags": _tags(client, "catalogs", catalog),
        "grants": _grants(client, "catalog", catalog),
        "schemas": [],
        "functions": {},
    }
    all_schemas = sdk_call(
        f"schemas of {catalog}", lambda: list(client.schemas.list(catalog_name=catalog))
    )
    functions: set[str] = set()
    for schema in all_schemas:
        if schema.name == "information_schema" or (schemas and schema.name not in schemas):
            continue
        full = f"{catalog}.{schema.name}"
        tables = []
        for table in sdk_call(
            f"tables of {full}",
            lambda schema=schema: list(
                client.tables.list(catalog_name=catalog, schema_name=schema.name)
            ),
        ):
            entry = _dict(table)
            entry["tags"] = _tags(client, "tables", table.full_name)
            entry["column_tags"] = {
                column.name: tags
                for column in table.columns or []
                if (tags := _tags(client, "columns", f"{table.full_name}.{column.name}"))
            }
            entry["grants"] = _grants(client, "table", table.full_name)
            if table.row_filter and table.row_filter.function_name:
                functions.add(table.row_filter.function_name)
            for column in table.columns or []:
                if column.mask and column.mask.function_name:
                    functions.add(column.mask.function_name)
            tables.append(entry)
        result["schemas"].append(
            {
                "schema": _dict(schema),
                "tags": _tags(client, "schemas", full),
                "grants": _grants(client, "schema", full),
                "tables": tables,
            }
        )
    for name in sorted(functions):
        result["functions"][name] = _dict(
            sdk_call(f"function {name}", lambda name=name: client.functions.get(name))
        )
    return result


def _counts(catalog: dict[str, Any]) -> dict[str, int]:
    tables = [table for schema in catalog["schemas"] for table in schema["tables"]]
    return {
        "schemas": len(catalog["schemas"]),
        "tables": len(tables),
        "columns": sum(len(table.get("columns") or []) for table in tables),
        "column_masks": sum(
            1 for table in tables for column in table.get("columns") or [] if column.get("mask")
        ),
        "row_filters": sum(1 for table in tables if table.get("row_filter")),
        "functions": len(catalog["functions"]),
    }


def backup_databricks(
    client: Any, catalogs: Iterable[str], out: Path, schemas: set[str] | None = None
) -> dict[str, Any]:
    """Back up `catalogs` (only `schemas` of them when given), every job and every AI/BI
    dashboard visible to the caller. Raises WarehouseError when a call fails after the SDK's
    own retries (a partial backup is not written as if complete)."""
    _prepare(out)
    manifest: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "engine": "databricks",
        "host": client.config.host,
        "catalogs": {},
        "files": [],
    }
    for catalog in sorted(set(catalogs)):
        data = _catalog_backup(client, catalog, schemas)
        write_json(out / f"catalog_{catalog}.json", data)
        manifest["catalogs"][catalog] = _counts(data)
        manifest["files"].append(f"catalog_{catalog}.json")
    jobs = []
    for job in sdk_call("list jobs", lambda: list(client.jobs.list())):
        jobs.append(
            _dict(sdk_call(f"job {job.job_id}", lambda job=job: client.jobs.get(job.job_id)))
        )
    write_json(out / "jobs.json", jobs)
    dashboards = []
    for dashboard in sdk_call("list dashboards", lambda: list(client.lakeview.list())):
        dashboards.append(
            _dict(
                sdk_call(
                    f"dashboard {dashboard.dashboard_id}",
                    lambda dashboard=dashboard: client.lakeview.get(dashboard.dashboard_id),
                )
            )
        )
    write_json(out / "dashboards.json", dashboards)
    manifest["counts"] = {"jobs": len(jobs), "dashboards": len(dashboards)}
    manifest["files"] += ["jobs.json", "dashboards.json"]
    write_json(out / "backup_manifest.json", manifest)
    return manifest
