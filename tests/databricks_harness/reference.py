"""Reviewed reference files: the effectful SQL a node sends, normalised to be stable.

Introspection (SELECT / DESCRIBE / SHOW) is left out: it is adapter plumbing, not what a
reviewer signs off. Run-specific noise -- dbt's query comment, invocation ids, uuids, wall-clock
timestamps and timestamped temp-table suffixes -- is replaced by placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from .fake_connection import RecordedStatement

EFFECTFUL_PREFIXES = (
    "CREATE",
    "INSERT",
    "MERGE",
    "ALTER",
    "DROP",
    "COMMENT",
    "DELETE",
    "UPDATE",
    "COPY",
    "OPTIMIZE",
    "REPLACE",
    "TRUNCATE",
)

_UUID = re.compile(
    r"[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}", re.I
)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)?")
_RECENT = timedelta(days=2)
_DIGIT_SUFFIX = re.compile(r"(__tmp|__dbt_tmp|_tmp)_?\d{8,}")


def _wall_clock(match: re.Match[str]) -> str:
    """`<timestamp>` for a time of this run (dbt's run_started_at and the like); constants in
    the project's SQL, such as 1900-01-01 00:00:00, are kept."""
    try:
        moment = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
    except ValueError:
        return match.group(0)
    now = datetime.now(moment.tzinfo)
    return "<timestamp>" if abs(now - moment) < _RECENT else match.group(0)


def normalise(sql: str) -> str:
    text = _UUID.sub("<uuid>", sql)
    text = _TIMESTAMP.sub(_wall_clock, text)
    text = _DIGIT_SUFFIX.sub(r"\1_<n>", text)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def is_effectful(statement: RecordedStatement) -> bool:
    return not statement.is_metadata_call and statement.kind.startswith(EFFECTFUL_PREFIXES)


def render_reference(node_id: str, statements: Iterable[RecordedStatement], regenerate: str) -> str:
    header = [
        f"-- Databricks SQL that dbt-databricks sends for {node_id}, recorded offline by",
        "-- tests/integration/test_databricks_recorded_sql.py (fresh run, then incremental run).",
        "-- Only statements that change the warehouse; run-specific ids and times normalised.",
        f"-- Regenerate after reviewing the diff: {regenerate}",
    ]
    blocks = []
    counters: dict[str, int] = {}
    for s in statements:
        if s.node_id != node_id or not is_effectful(s):
            continue
        counters[s.invocation] = counters.get(s.invocation, 0) + 1
        blocks.append(
            f"-- {s.invocation} run, statement {counters[s.invocation]}: {s.kind}\n"
            f"{normalise(s.body)};"
        )
    return "\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n"


def reference_path(directory: Path, node_id: str) -> Path:
    resource_type, _package, name = node_id.split(".")[:3]
    return directory / f"{resource_type}.{name}.sql.txt"
