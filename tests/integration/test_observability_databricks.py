"""The observability SQL on Databricks, proven offline with the recorded-SQL harness
(tests/databricks_harness): the real dbt-databricks adapter runs the audit hooks and the
landing freshness queries against a fake warehouse that records every statement."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import sqlfluff

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, RecordedStatement, record_dbt
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile

PROJECT = Path(__file__).resolve().parents[2]
CATALOG = "lakehouse_bi_ci"
REASON = "it's a \\ test"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict[str, list[str]]:
    """Statements (without dbt's query comment) of a small build and a freshness check."""
    root = tmp_path_factory.mktemp("observability_databricks")
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema="ci", target="prod")
    warehouse = FakeWarehouse(CATALOG, "ci")
    paths = {"target_path": root / "target", "log_path": root / "logs"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
        patch.delenv("DBT_AUDIT_ACTOR", raising=False)
        patch.setenv("DATABRICKS_CLIENT_ID", "sp-application-id")
        patch.setenv("LAKEHOUSE_BI_GIT_COMMIT", "abc123")
        build = record_dbt(
            project, profiles,
            ["build", "-s", "countries", "audit_dbt_invocations", "--vars", f"reason: {REASON!r}"],
            warehouse=warehouse, label="build", **paths,
        )  # fmt: skip
        # The fake holds no files: every landing source is infinitely stale, dbt exits 1.
        freshness = record_dbt(
            project, profiles, ["source", "freshness", "-s", "source:landing"],
            warehouse=warehouse, label="freshness", allow_failure=True, **paths,
        )  # fmt: skip
    return {"build": _bodies(build), "freshness": _bodies(freshness)}


def _bodies(statements: list[RecordedStatement]) -> list[str]:
    return [s.body for s in statements if not s.is_metadata_call]


def _one(statements: list[str], pattern: str) -> str:
    found = [s for s in statements if re.search(pattern, s, re.I | re.S)]
    assert len(found) == 1, f"{len(found)} statements match {pattern!r}"
    return found[0]


def _parses(statement: str) -> None:
    sqlfluff.parse(statement, dialect="databricks")  # raises on anything it cannot parse


def test_audit_tables_are_created_idempotently(recorded):
    build = recorded["build"]
    schema = _one(build, rf"create schema if not exists `?{CATALOG}`?\.`?audit`?")
    log_ddl = _one(build, r"create table if not exists \S+dbt_invocation_log")
    counts_ddl = _one(build, r"create table if not exists \S+dbt_relation_row_counts")
    assert re.search(r"invocation_id string,.*run_started_at timestamp", log_ddl, re.S)
    assert "row_count bigint" in counts_ddl
    for statement in (schema, log_ddl, counts_ddl):
        _parses(statement)


def test_invocation_row_on_databricks(recorded):
    insert = _one(recorded["build"], r"insert into \S+dbt_invocation_log")
    assert f"`{CATALOG}`.`audit`.`dbt_invocation_log`" in insert
    assert "current_user()" in insert  # the identity the SQL warehouse authenticated
    assert "'sp-application-id'" in insert and "'DATABRICKS_CLIENT_ID'" in insert
    assert "'abc123'" in insert
    assert r"'it\'s a \\ test'" in insert  # Databricks escapes with backslashes
    assert "'databricks'" in insert and f"'{CATALOG}'" in insert
    _parses(insert)


def test_row_counts_on_databricks(recorded):
    insert = _one(recorded["build"], r"insert into \S+dbt_relation_row_counts")
    assert f"from `{CATALOG}`.`reference`.`countries`" in insert
    assert "audit_dbt_invocations" not in insert  # a view: not counted
    _parses(insert)


def test_landing_freshness_queries_on_databricks(recorded):
    freshness = recorded["freshness"]
    volume = f"/Volumes/{CATALOG}/landing/files"
    files = _one(freshness, r"read_files\('[^']*/products/[^']*',\s*format => 'binaryFile'\)")
    # Record times are read by the contract's timestamp form (landing_timestamp: UTC).
    records = _one(
        freshness,
        r"max\(\s*case\s+when regexp_like\(nullif\(trim\(landed\.`updated_at`\).*/orders/",
    )
    events = _one(freshness, r"max\(\s*case\s+when regexp_like\(nullif\(trim\(landed\.`event_ts`\)")
    assert f"'{volume}/products/batch=*/*.csv'" in files
    assert "modificationtime" in files
    assert "_metadata.file_path" in records and "format => 'json'" in records
    assert f"'{volume}/web_events/batch=*/*.jsonl'" in events
    for statement in (files, records, events):
        _parses(statement)
    # The freshness check is audited like any invocation.
    _one(freshness, r"insert into \S+dbt_invocation_log")
