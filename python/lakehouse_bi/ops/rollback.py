"""`ops rollback`: a Delta `RESTORE` planned from `DESCRIBE HISTORY`, checked before it runs.

Checks, each a RollbackError naming the table and what to do (docs/ROLLBACK.md):
- the table exists (DESCRIBE HISTORY fails otherwise);
- the version asked for is in the retained history (`delta.logRetentionDuration`, 30 days by
  default, bounds how far back the log goes), or a timestamp is at or after the first one;
- VACUUM has not removed the version's data files. A VACUUM deletes files logically removed
  before (its start - its retention); a version's files can only have been removed by a
  later commit, so the restore is refused when a VACUUM after the target version had a
  cut-off later than the commit right after it and deleted files (VACUUM END
  `numDeletedFiles` > 0, or unknown). Source: docs "RESTORE" and "VACUUM"; delta.io
  "How to Rollback a Delta Lake Table to a Previous Version with Restore".

The restore SQL is `RESTORE TABLE <t> TO VERSION AS OF <n>` -- always by version, even when
asked by timestamp (the version the timestamp resolves to is shown, no second lookup). The
table name reaches SQL only re-quoted part by part (lakehouse_bi.identifiers): a `--table`
carrying SQL (`t VERSION AS OF 0 --`) is refused before any statement runs, dry run included.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from lakehouse_bi.errors import RollbackError
from lakehouse_bi.identifiers import canonical_relation
from lakehouse_bi.ops.health import to_utc
from lakehouse_bi.ops.warehouse import Warehouse

DEFAULT_VACUUM_RETENTION = dt.timedelta(days=7)  # Delta's default (168 hours)
TABLE_ARGUMENT = "--table"


def restore_table_name(table: str) -> str:
    """`table` (1 to 3 parts, each plain or backtick-quoted) re-quoted as
    `catalog`.`schema`.`table`; ConfigError naming --table for anything else."""
    return canonical_relation(table, "databricks", TABLE_ARGUMENT)


@dataclass(frozen=True)
class Commit:
    """One row of DESCRIBE HISTORY."""

    version: int
    timestamp: dt.datetime
    operation: str
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RestorePlan:
    table: str
    current: Commit
    target: Commit
    undone: list[Commit]  # commits after the target, newest first

    @property
    def sql(self) -> str:
        version = int(self.target.version)
        return f"RESTORE TABLE {restore_table_name(self.table)} TO VERSION AS OF {version}"

    def as_dict(self) -> dict[str, Any]:
        def commit(c: Commit) -> dict[str, Any]:
            return {
                "version": c.version,
                "timestamp": c.timestamp.isoformat(),
                "operation": c.operation,
            }

        return {
            "table": self.table,
            "current": commit(self.current),
            "target": commit(self.target),
            "undone": [commit(c) for c in self.undone],
            "sql": self.sql,
        }


def _mapping(value: Any) -> dict[str, Any]:
    """operationParameters / operationMetrics: a dict, a list of pairs (the connector's map
    form) or a JSON string."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return dict(value)


def read_history(warehouse: Warehouse, table: str) -> list[Commit]:
    """DESCRIBE HISTORY, oldest first. An unknown table is a RollbackError; a `table` that
    is not a table name is a ConfigError (exit 2) and runs nothing."""
    table = restore_table_name(table)
    try:
        rows = warehouse.records(f"DESCRIBE HISTORY {table}")
    except Exception as error:
        text = str(error)
        if "NOT_FOUND" in text.upper() or "not found" in text.lower() or "cannot be found" in text:
            raise RollbackError(
                f"Table {table} does not exist (or you cannot see it).",
                "Check the name (catalog.schema.table or a model name) and your grants.",
            ) from None
        raise RollbackError(
            f"DESCRIBE HISTORY {table} failed: {text.splitlines()[0][:300]}"
        ) from None
    commits = [
        Commit(
            version=int(row["version"]),
            timestamp=to_utc(row["timestamp"]),
            operation=str(row["operation"]),
            parameters=_mapping(row.get("operationParameters")),
            metrics=_mapping(row.get("operationMetrics")),
        )
        for row in rows
    ]
    if not commits:
        raise RollbackError(
            f"DESCRIBE HISTORY {table} returned no commits.", "Is it a Delta table?"
        )
    return sorted(commits, key=lambda c: c.version)


def _vacuum_retention(start: Commit) -> dt.timedelta:
    for key in ("specifiedRetentionMillis", "defaultRetentionMillis"):
        value = start.parameters.get(key)
        if value not in (None, "", "null"):
            return dt.timedelta(milliseconds=int(value))
    return DEFAULT_VACUUM_RETENTION


def vacuum_blocking(history: list[Commit], target: Commit) -> Commit | None:
    """The VACUUM START after `target` that may have deleted its files, else None."""
    later = [c for c in history if c.version > target.version]
    if not later:
        return None
    first_removal = later[0].timestamp  # no file of the target is removed before this commit
    for index, commit in enumerate(history):
        if commit.version <= target.version or commit.operation.upper() != "VACUUM START":
            continue
        cutoff = commit.timestamp - _vacuum_retention(commit)
        if cutoff <= first_removal:
            continue
        end = next((c for c in history[index + 1 :] if c.operation.upper() == "VACUUM END"), None)
        deleted = (end.metrics.get("numDeletedFiles") if end else None) if end else None
        if deleted is not None and str(deleted) == "0":
            continue
        return commit
    return None


def plan_restore(
    history: list[Commit],
    table: str,
    to_version: int | None = None,
    to_timestamp: dt.datetime | None = None,
) -> RestorePlan:
    """The RESTORE for `to_version`, or for the last version committed at or before
    `to_timestamp` (UTC). Raises RollbackError for an unknown version, a timestamp before the
    retained history, the current version itself, or files removed by VACUUM."""
    if (to_version is None) == (to_timestamp is None):
        raise RollbackError("Give exactly one of --to-version and --to-timestamp.", "See --help.")
    current = history[-1]
    first = history[0]
    if to_version is not None:
        by_version = {c.version: c for c in history}
        if to_version not in by_version:
            raise RollbackError(
                f"Version {to_version} of {table} is not in its history (retained versions "
                f"{first.version}..{current.version}).",
                "Pick a version listed by `DESCRIBE HISTORY`; older log entries are gone "
                "after delta.logRetentionDuration (30 days by default).",
            )
        target = by_version[to_version]
    else:
        assert to_timestamp is not None
        candidates = [c for c in history if c.timestamp <= to_timestamp]
        if not candidates:
            raise RollbackError(
                f"{to_timestamp.isoformat()} is before the oldest retained version of {table} "
                f"(version {first.version} at {first.timestamp.isoformat()}).",
                "Pick a later timestamp; older history is no longer retained.",
            )
        target = candidates[-1]
    if target.version == current.version:
        raise RollbackError(
            f"{table} is already at version {current.version}: nothing to restore.",
            "Pick an earlier version from `DESCRIBE HISTORY`.",
        )
    blocker = vacuum_blocking(history, target)
    if blocker is not None:
        retention = _vacuum_retention(blocker)
        raise RollbackError(
            f"Cannot restore {table} to version {target.version}: VACUUM (version "
            f"{blocker.version}, {blocker.timestamp:%Y-%m-%d %H:%M} UTC, retention "
            f"{retention.total_seconds() / 3600:.0f} h) has removed data files that version "
            "needs.",
            "Restore a version newer than the VACUUM's retention window, or rebuild the table "
            "(`dbt build --full-refresh -s <model>`); docs/ROLLBACK.md 'Files vacuumed'.",
        )
    undone = sorted((c for c in history if c.version > target.version), key=lambda c: -c.version)
    return RestorePlan(table, current, target, undone)


def execute_restore(warehouse: Warehouse, plan: RestorePlan) -> dict[str, Any]:
    """Run the RESTORE; returns its metrics row (table_size_after_restore, num_restored_files,
    ...). A failure (e.g. a file missing after all) is a RollbackError."""
    try:
        rows = warehouse.records(plan.sql)
    except Exception as error:
        raise RollbackError(
            f"{plan.sql} failed: {str(error).splitlines()[0][:300]}",
            "If files are missing, see docs/ROLLBACK.md 'Files vacuumed'.",
        ) from None
    return rows[0] if rows else {}
