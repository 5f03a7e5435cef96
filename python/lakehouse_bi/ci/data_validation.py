"""Scheduled data validation (data_validation.yml, `make data-validation`): row counts and
column schemas of every built model (metric views excepted: no rows of their own), snapshot
and seed, compared with the previous run's report, plus the columns the YAML declares that
the built relation lacks.

The report is JSON (report.json, the next run's baseline) and Markdown (report.md, for
people). Problems: a relation gone, a column removed or retyped, a declared column missing,
rows dropping to zero or by more than `max_row_drop` (a share, 0..1). Added columns and
growing tables are notes, not problems."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehouse_bi.errors import LakehouseBIError
from lakehouse_bi.identifiers import canonical_relation
from lakehouse_bi.ops.warehouse import Warehouse

RELATION_TYPES = ("model", "snapshot", "seed")


class DataValidationError(LakehouseBIError):
    """Row counts or schemas changed in a way the data validation rejects."""


@dataclass
class Report:
    generated_at: str
    target: str
    relations: dict[str, dict[str, Any]]  # unique_id -> {relation, rows, columns{name: type}}
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return vars(self)


def snapshot_relations(
    manifest: dict[str, Any], catalog: dict[str, Any], warehouse: Warehouse
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Rows and built columns of every project relation in the catalog, and the columns the
    YAML declares that the built relation lacks (as problems naming the YAML file)."""
    project = manifest["metadata"].get("project_name")
    built = catalog.get("nodes") or {}
    relations, problems = {}, []
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] not in RELATION_TYPES or node.get("package_name") != project:
            continue
        if unique_id not in built or not node.get("relation_name"):
            continue
        if (node.get("config") or {}).get("materialized") == "metric_view":
            # No rows of its own (Databricks answers it only through MEASURE()); its numbers
            # are the marts' (tests), its existence validate-deployment's.
            continue
        columns = {
            name.lower(): str(column.get("type", "")).lower()
            for name, column in built[unique_id].get("columns", {}).items()
        }
        relation = canonical_relation(
            node["relation_name"], warehouse.engine, f"relation_name of {unique_id}"
        )
        (rows,) = warehouse.query(f"select count(*) from {relation}")[0]
        relations[unique_id] = {
            "relation": node["relation_name"],
            "rows": int(rows),
            "columns": columns,
        }
        yaml_file = (node.get("patch_path") or "").split("://", 1)[-1] or node["original_file_path"]
        for name in node.get("columns") or {}:
            if name.lower() not in columns:
                problems.append(
                    f"{yaml_file}: {node['name']}.columns.{name}: declared but missing from the "
                    f"built relation {node['relation_name']}"
                )
    return relations, problems


def compare(
    previous: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]], max_row_drop: float
) -> tuple[list[str], list[str]]:
    """(problems, notes) of `current` against the previous run's relations."""
    problems, notes = [], []
    for unique_id, before in sorted(previous.items()):
        now = current.get(unique_id)
        if now is None:
            problems.append(
                f"{unique_id}: {before['relation']} was validated last run, is gone now"
            )
            continue
        for name, kind in sorted(before["columns"].items()):
            if name not in now["columns"]:
                problems.append(f"{unique_id}: column {name} ({kind}) was removed")
            elif now["columns"][name] != kind:
                problems.append(
                    f"{unique_id}: column {name} changed type {kind} -> {now['columns'][name]}"
                )
        for name in sorted(set(now["columns"]) - set(before["columns"])):
            notes.append(f"{unique_id}: column {name} ({now['columns'][name]}) was added")
        rows_before, rows_now = before["rows"], now["rows"]
        if rows_before > 0 and rows_now == 0:
            problems.append(f"{unique_id}: rows fell from {rows_before} to 0")
        elif rows_before > 0 and (rows_before - rows_now) / rows_before > max_row_drop:
            problems.append(
                f"{unique_id}: rows fell from {rows_before} to {rows_now} "
                f"(more than {max_row_drop:.0%})"
            )
        elif rows_now != rows_before:
            notes.append(f"{unique_id}: rows {rows_before} -> {rows_now}")
    for unique_id in sorted(set(current) - set(previous)):
        notes.append(f"{unique_id}: new relation {current[unique_id]['relation']}")
    return problems, notes


def validate(
    manifest: dict[str, Any],
    catalog: dict[str, Any],
    warehouse: Warehouse,
    previous: dict[str, Any] | None,
    max_row_drop: float,
) -> Report:
    """The report of this run; problems include the comparison with `previous` (a report
    JSON) when given."""
    relations, problems = snapshot_relations(manifest, catalog, warehouse)
    notes: list[str] = []
    if previous is None:
        notes.append("no previous report: this run is the baseline")
    else:
        found, notes = compare(previous.get("relations") or {}, relations, max_row_drop)
        problems += found
    return Report(
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        target=str(manifest["metadata"].get("adapter_type", "")),
        relations=relations,
        problems=problems,
        notes=notes,
    )


def write_report(report: Report, folder: Path) -> tuple[Path, Path]:
    """report.json and report.md in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / "report.json", folder / "report.md"
    json_path.write_text(json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n")
    lines = [f"# Data validation {report.generated_at} ({report.target})", ""]
    lines += ["## Problems", ""] + [f"- {p}" for p in report.problems or ["none"]] + [""]
    lines += ["## Notes", ""] + [f"- {n}" for n in report.notes or ["none"]] + [""]
    lines += ["## Relations", "", "| relation | rows | columns |", "|---|---:|---:|"]
    lines += [
        f"| {r['relation']} | {r['rows']} | {len(r['columns'])} |"
        for _, r in sorted(report.relations.items())
    ]
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
