"""`lakehouse-bi ops rollback`: the RESTORE plan from DESCRIBE HISTORY (version, timestamp,
VACUUM refusal, unknown table/version), dry run vs --execute through a fake Databricks
connection whose statements are checked by sqlfluff's databricks dialect."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlfluff
from click.testing import CliRunner
from ops_support import DATABRICKS_ENV, FakeConnection, make_project, model_node, write_manifest

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError, RollbackError
from lakehouse_bi.ops.rollback import (
    Commit,
    RestorePlan,
    plan_restore,
    read_history,
    vacuum_blocking,
)
from lakehouse_bi.ops.warehouse import Warehouse

T0 = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)
TABLE = "`lakehouse_bi_prod`.`gold`.`fct_sales`"
HISTORY_COLUMNS = [
    "version",
    "timestamp",
    "userName",
    "operation",
    "operationParameters",
    "operationMetrics",
]


def commit(
    version: int, when: dt.datetime, operation: str = "WRITE", params=None, metrics=None
) -> Commit:
    return Commit(version, when, operation, params or {}, metrics or {})


def daily_history(days: int = 5) -> list[Commit]:
    return [commit(v, T0 + v * DAY, "CREATE OR REPLACE TABLE AS SELECT") for v in range(days)]


def test_plan_by_version_lists_what_is_undone():
    plan = plan_restore(daily_history(), TABLE, to_version=2)
    assert plan.sql == f"RESTORE TABLE {TABLE} TO VERSION AS OF 2"
    assert (plan.current.version, plan.target.version) == (4, 2)
    assert [c.version for c in plan.undone] == [4, 3]
    sqlfluff.parse(plan.sql.replace("`", ""), dialect="databricks")


def test_plan_by_timestamp_takes_the_version_current_then():
    history = daily_history()
    plan = plan_restore(history, TABLE, to_timestamp=T0 + 2 * DAY + dt.timedelta(hours=5))
    assert plan.target.version == 2
    exact = plan_restore(history, TABLE, to_timestamp=T0 + 3 * DAY)
    assert exact.target.version == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to_version": 9}, r"Version 9 of .* is not in its history \(retained versions 0..4\)"),
        ({"to_timestamp": T0 - DAY}, "before the oldest retained version"),
        ({"to_version": 4}, "already at version 4"),
        ({}, "exactly one of"),
        ({"to_version": 1, "to_timestamp": T0}, "exactly one of"),
    ],
)
def test_bad_targets_are_clear_errors(kwargs, message):
    with pytest.raises(RollbackError, match=message):
        plan_restore(daily_history(), TABLE, **kwargs)


def _with_vacuum(at: dt.datetime, retention_hours: int | None, deleted: str | None) -> list[Commit]:
    params = {"retentionCheckEnabled": "true", "defaultRetentionMillis": str(7 * 24 * 3600 * 1000)}
    if retention_hours is not None:
        params["specifiedRetentionMillis"] = str(retention_hours * 3600 * 1000)
    history = daily_history()
    history.append(commit(5, at, "VACUUM START", params))
    if deleted is not None:
        history.append(
            commit(
                6,
                at + dt.timedelta(minutes=1),
                "VACUUM END",
                {"status": "COMPLETED"},
                {"numDeletedFiles": deleted},
            )
        )
    return history


def test_restore_is_refused_when_vacuum_removed_the_files():
    # VACUUM at day 12 keeping 168 h: files removed before day 5 are gone; version 1's files
    # were replaced at day 2, so version 1 cannot be restored ...
    history = _with_vacuum(T0 + 12 * DAY, None, "17")
    with pytest.raises(
        RollbackError, match=r"VACUUM \(version 5.*retention 168 h\) has removed"
    ) as error:
        plan_restore(history, TABLE, to_version=1)
    assert "ROLLBACK.md" in error.value.hint
    # ... version 4's files were replaced only by the VACUUM itself: still there.
    assert plan_restore(history, TABLE, to_version=4).target.version == 4


def test_vacuum_with_a_shorter_retention_blocks_more():
    history = _with_vacuum(T0 + 5 * DAY, 24, "3")  # cut-off day 4: commits before it are gone
    assert vacuum_blocking(history, history[2]) is not None
    assert vacuum_blocking(history, history[3]) is None


def test_a_vacuum_that_deleted_nothing_does_not_block():
    history = _with_vacuum(T0 + 30 * DAY, None, "0")
    assert plan_restore(history, TABLE, to_version=0).target.version == 0
    unknown = _with_vacuum(T0 + 30 * DAY, None, None)  # no VACUUM END: assume it deleted
    with pytest.raises(RollbackError, match="has removed data files"):
        plan_restore(unknown, TABLE, to_version=0)


# --- the command, through a fake Databricks connection --------------------------------------


def _history_rows() -> list[tuple]:
    return [
        (
            v,
            (T0 + v * DAY).replace(tzinfo=None),
            "sp-deploy",
            "WRITE",
            {"mode": "Overwrite"},
            {"numFiles": "4"},
        )
        for v in reversed(range(4))  # DESCRIBE HISTORY lists newest first
    ]


@pytest.fixture
def prod(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    write_manifest(
        root / "target/manifest.json",
        "databricks",
        [model_node("fct_sales", "gold", {}, engine="databricks", database="lakehouse_bi_prod")],
    )
    for name, value in DATABRICKS_ENV.items():
        monkeypatch.setenv(name, value)
    fake = FakeConnection()
    fake.answer(
        r"^DESCRIBE HISTORY `?lakehouse_bi_prod`?\.`?gold`?\.`?fct_sales`?$",
        (HISTORY_COLUMNS, _history_rows()),
    )
    fake.answer(
        r"^RESTORE TABLE",
        (
            [
                "table_size_after_restore",
                "num_of_files_after_restore",
                "num_removed_files",
                "num_restored_files",
                "removed_files_size",
                "restored_files_size",
            ],
            [(1000, 4, 4, 4, 900, 1000)],
        ),
    )
    monkeypatch.setattr("databricks.sql.connect", fake.connect)
    return root, fake


def test_dry_run_prints_the_plan_and_changes_nothing(prod):
    _, fake = prod
    result = CliRunner().invoke(
        main, ["ops", "rollback", "--target", "prod", "--table", "fct_sales", "--to-version", "1"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output[: result.output.index("dry run")])
    assert plan["sql"] == f"RESTORE TABLE {TABLE} TO VERSION AS OF 1"
    assert [c["version"] for c in plan["undone"]] == [3, 2]
    assert fake.statements == [f"DESCRIBE HISTORY {TABLE}"]
    assert fake.connect_kwargs["server_hostname"] == "dbc-test.cloud.databricks.com"


def test_execute_runs_the_restore_and_notifies(prod, httpserver, monkeypatch):
    _, fake = prod
    httpserver.expect_request("/slack", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SLACK_WEBHOOK", httpserver.url_for("/slack"))
    result = CliRunner().invoke(
        main,
        [
            "ops",
            "rollback",
            "--target",
            "prod",
            "--table",
            "lakehouse_bi_prod.gold.fct_sales",
            "--to-timestamp",
            "2026-11-03T12:00:00Z",
            "--execute",
        ],
    )
    assert result.exit_code == 0, result.output
    assert fake.statements == [
        f"DESCRIBE HISTORY {TABLE}",
        f"RESTORE TABLE {TABLE} TO VERSION AS OF 2",
    ]
    for statement in fake.statements:
        sqlfluff.parse(statement.replace("`", ""), dialect="databricks")
    assert '"num_restored_files": 4' in result.output
    ((request, _),) = httpserver.log
    assert "restored from version 3 to version 2" in request.get_json()["text"]


def test_unknown_table_and_version_are_clear(prod):
    runner = CliRunner()
    unknown = runner.invoke(
        main, ["ops", "rollback", "--target", "prod", "--table", "fct_nope", "--to-version", "1"]
    )
    assert unknown.exit_code == 8
    assert "Unknown table 'fct_nope'" in unknown.output
    missing = runner.invoke(
        main,
        ["ops", "rollback", "--target", "prod", "--table", "main.gold.gone", "--to-version", "1"],
    )
    assert missing.exit_code == 8
    assert "Table `main`.`gold`.`gone` does not exist" in missing.output
    version = runner.invoke(
        main, ["ops", "rollback", "--target", "prod", "--table", "fct_sales", "--to-version", "7"]
    )
    assert version.exit_code == 8
    assert "Version 7" in version.output and "0..3" in version.output
    stamp = runner.invoke(
        main,
        [
            "ops",
            "rollback",
            "--target",
            "prod",
            "--table",
            "fct_sales",
            "--to-timestamp",
            "yesterday",
        ],
    )
    assert stamp.exit_code == 2
    assert "not an ISO timestamp" in stamp.output


def test_duckdb_target_is_refused_with_the_local_alternative(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    write_manifest(root / "target/manifest.json", "duckdb", [model_node("fct_sales", "gold", {})])
    result = CliRunner().invoke(
        main, ["ops", "rollback", "--table", "fct_sales", "--to-version", "1"]
    )
    assert result.exit_code == 8
    assert "exists only on Databricks" in result.output
    assert "--full-refresh" in result.output


# --- issue 24: the table name never reaches SQL as text --------------------------------------

ATTACKS = [
    "fct_sales VERSION AS OF 0 --",
    "lakehouse_bi_prod.gold.fct_sales VERSION AS OF 0 --",
    "lakehouse_bi_prod.gold.fct_sales; DROP TABLE lakehouse_bi_prod.gold.fct_sales",
    "lakehouse_bi_prod.gold.fct_sales\nRESTORE TABLE x TO VERSION AS OF 0",
    "`lakehouse_bi_prod`.`gold`.`fct_sales` -- comment",
    "lakehouse_bi_prod.gold.fct sales",
    "a.b.c.d",
    "lakehouse_bi_prod..fct_sales",
    "`unclosed.gold.fct_sales",
    '"lakehouse_bi_prod"."gold"."fct_sales"',
]


@pytest.mark.parametrize("table", ATTACKS)
def test_a_table_argument_carrying_sql_is_refused_before_any_statement(prod, table):
    _, fake = prod
    result = CliRunner().invoke(
        main, ["ops", "rollback", "--target", "prod", "--table", table, "--to-version", "1"]
    )
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "--table" in result.output
    assert fake.statements == []  # not even DESCRIBE HISTORY (dry run included)
    assert fake.connect_kwargs == {}  # nor a connection


def test_quoted_parts_are_requoted_with_embedded_backticks_doubled(prod):
    _, fake = prod
    quoted = "`lakehouse_bi_prod`.`gold`.`odd``name`"
    fake.answer(r"^DESCRIBE HISTORY ", (HISTORY_COLUMNS, _history_rows()))
    result = CliRunner().invoke(
        main,
        [
            "ops",
            "rollback",
            "--target",
            "prod",
            "--table",
            quoted,
            "--to-version",
            "1",
            "--execute",
        ],
    )
    assert result.exit_code == 0, result.output
    assert fake.statements == [
        f"DESCRIBE HISTORY {quoted}",
        f"RESTORE TABLE {quoted} TO VERSION AS OF 1",
    ]
    plain = CliRunner().invoke(
        main,
        ["ops", "rollback", "--target", "prod", "--table", "lakehouse_bi_prod.gold.fct_sales",
         "--to-version", "1"],
    )  # fmt: skip
    assert plain.exit_code == 0, plain.output
    assert fake.statements[-1] == f"DESCRIBE HISTORY {TABLE}"


def test_a_tampered_manifest_relation_is_refused(prod):
    root, fake = prod
    _, node = model_node("fct_sales", "gold", {}, engine="databricks", database="x")
    node["relation_name"] = f"{TABLE} VERSION AS OF 0 --"
    write_manifest(
        root / "target/manifest.json", "databricks", [("model.lakehouse_bi.fct_sales", node)]
    )
    result = CliRunner().invoke(
        main, ["ops", "rollback", "--target", "prod", "--table", "fct_sales", "--to-version", "1"]
    )
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "relation_name of model.lakehouse_bi.fct_sales" in result.output
    assert fake.statements == []


def test_the_library_functions_refuse_a_spliced_name_too():
    fake = FakeConnection()
    with pytest.raises(ConfigError, match="--table"):
        read_history(Warehouse(fake, "databricks"), f"{TABLE} VERSION AS OF 0 --")
    assert fake.statements == []
    history = daily_history()
    plan = RestorePlan(f"{TABLE}; DROP TABLE x", history[-1], history[1], history[2:])
    with pytest.raises(ConfigError, match="--table"):
        _ = plan.sql
