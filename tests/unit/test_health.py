"""`lakehouse-bi health`: SLA judgement, the checks against a warehouse (DuckDB, and the
Databricks path through a fake DB-API connection), exit codes of the command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
import sqlfluff
import sqlglot
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.health import run_health_checks, to_utc
from lakehouse_bi.ops.manifest import FreshnessSla, Manifest
from lakehouse_bi.ops.warehouse import SQL_RETRY_POLICY, Warehouse, connect_databricks

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
HOURS = dt.timedelta(hours=1)
RUN_FILTER = "command in ('build', 'run') and status in ('success', 'warn')"


# --- the SLA arithmetic ---------------------------------------------------------------------


def test_sla_status_boundaries_follow_dbt():
    sla = FreshnessSla.from_manifest(
        {
            "warn_after": {"count": 36, "period": "hour"},
            "error_after": {"count": 60, "period": "hour"},
        }
    )
    assert sla.status(36 * HOURS) == "pass"
    assert sla.status(36 * HOURS + dt.timedelta(seconds=1)) == "warn"
    assert sla.status(60 * HOURS + dt.timedelta(seconds=1)) == "error"
    assert FreshnessSla.from_manifest({"warn_after": {"count": None, "period": None}}) is None
    assert (
        FreshnessSla.from_manifest({"error_after": {"count": 2, "period": "day"}}).status(
            47 * HOURS
        )
        == "pass"
    )


@pytest.mark.parametrize(
    "value",
    [
        "2026-06-01T10:00:00+00:00",
        "2026-06-01T10:00:00Z",
        "2026-06-01 10:00:00",
        dt.datetime(2026, 6, 1, 10),
        dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
)
def test_warehouse_timestamps_are_read_as_utc(value):
    assert to_utc(value) == dt.datetime(2026, 6, 1, 10, tzinfo=dt.timezone.utc)


# --- a warehouse as the project's hooks and Elementary leave it -------------------------------


def _manifest(adapter: str, quote: str, catalog: str) -> dict:
    def relation(schema: str, name: str) -> str:
        return ".".join(f"{quote}{part}{quote}" for part in (catalog, schema, name))

    def source(source_name, name, freshness, loaded_at_field=None, meta=None):
        return {
            "resource_type": "source",
            "package_name": "lakehouse_bi",
            "source_name": source_name,
            "name": name,
            "relation_name": relation(source_name, name),
            "loaded_at_field": loaded_at_field,
            "loaded_at_query": None if loaded_at_field else "{{ landing_records_loaded_at() }}",
            "freshness": freshness,
            "meta": meta or {},
            "config": {"meta": {}},
        }

    daily = {
        "warn_after": {"count": 36, "period": "hour"},
        "error_after": {"count": 60, "period": "hour"},
    }
    runs = {**daily, "filter": RUN_FILTER}
    return {
        "metadata": {"adapter_type": adapter, "project_name": "lakehouse_bi"},
        "sources": {
            "source.lakehouse_bi.landing.orders": source("landing", "orders", daily),
            "source.lakehouse_bi.landing.products": source("landing", "products", daily),
            "source.lakehouse_bi.audit.dbt_invocation_log": source(
                "audit",
                "dbt_invocation_log",
                runs,
                "run_ended_at",
                {"health_check": "last successful run"},
            ),
            "source.other.x.y": {**source("x", "y", daily), "package_name": "other"},
        },
        "nodes": {
            f"model.elementary.{name}": {"relation_name": relation("elementary", name)}
            for name in ("dbt_source_freshness_results", "elementary_test_results")
        },
    }


def _write_warehouse(path: Path, *, orders_age: dt.timedelta, failing_tests: int = 0) -> None:
    def stamp(age: dt.timedelta) -> str:
        return (NOW - age).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    with duckdb.connect(str(path)) as con:
        for schema in ("audit", "elementary"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table audit.dbt_invocation_log (command varchar, status varchar, "
            "run_ended_at timestamp)"
        )
        con.execute(
            "insert into audit.dbt_invocation_log values "
            "('build', 'success', ?), ('build', 'error', ?), ('test', 'success', ?)",
            [NOW.replace(tzinfo=None) - 5 * HOURS, NOW.replace(tzinfo=None) - HOURS,
             NOW.replace(tzinfo=None) - HOURS],
        )  # fmt: skip
        con.execute(
            "create table elementary.dbt_source_freshness_results (unique_id varchar, "
            "max_loaded_at varchar, status varchar, error varchar, generated_at varchar, "
            "created_at timestamp)"
        )
        con.execute(
            "insert into elementary.dbt_source_freshness_results values "
            # an old check of orders that was fresh then: only the latest check counts
            "('source.lakehouse_bi.landing.orders', ?, 'pass', null, ?, '2026-05-01'),"
            "('source.lakehouse_bi.landing.orders', ?, 'pass', null, ?, '2026-06-01 11:00'),"
            "('source.lakehouse_bi.landing.products', ?, 'pass', null, ?, '2026-06-01 11:00')",
            [stamp(30 * 24 * HOURS), stamp(30 * 24 * HOURS), stamp(orders_age), stamp(HOURS),
             stamp(2 * HOURS), stamp(HOURS)],
        )  # fmt: skip
        con.execute(
            "create table elementary.elementary_test_results (invocation_id varchar, "
            "status varchar, detected_at timestamp)"
        )
        con.execute(
            "insert into elementary.elementary_test_results "
            "select 'old', 'fail', timestamp '2026-05-01' from range(50)"
        )
        statuses = ["fail"] * failing_tests + ["pass"] * (40 - failing_tests) + ["skipped"]
        for status in statuses:
            con.execute(
                "insert into elementary.elementary_test_results values ('new', ?, ?)",
                [status, NOW.replace(tzinfo=None) - HOURS],
            )


def _results(path: Path, min_dq_score: float = 0.95) -> dict[str, tuple[str, str]]:
    manifest = Manifest(_manifest("duckdb", '"', path.stem), path)
    with Warehouse(duckdb.connect(str(path), read_only=True), "duckdb") as warehouse:
        results = run_health_checks(warehouse, manifest, min_dq_score, now=NOW)
    return {f"{r.check}|{r.subject}": (r.status, r.observed) for r in results}


def test_all_within_slas(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _write_warehouse(path, orders_age=10 * HOURS)
    results = _results(path)
    assert results["last successful run|audit.dbt_invocation_log"] == (
        "pass", "5.0 h old (2026-06-01 07:00)",
    )  # fmt: skip
    assert results["source freshness|landing.orders"][0] == "pass"
    assert results["dq score|latest tests"] == ("pass", "100.0% (40/40 passed)")
    assert not [key for key in results if "x.y" in key]  # another package's source


@pytest.mark.parametrize(
    ("age", "status"), [(35 * HOURS, "pass"), (40 * HOURS, "warn"), (61 * HOURS, "error")]
)
def test_landing_freshness_is_aged_to_now(tmp_path, age, status):
    path = tmp_path / "warehouse.duckdb"
    _write_warehouse(path, orders_age=age)
    assert _results(path)["source freshness|landing.orders"][0] == status


def test_dq_score_below_threshold(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _write_warehouse(path, orders_age=HOURS, failing_tests=4)
    assert _results(path)["dq score|latest tests"] == ("error", "90.0% (36/40 passed)")
    assert _results(path, min_dq_score=0.9)["dq score|latest tests"][0] == "pass"


def test_missing_results_are_errors(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _write_warehouse(path, orders_age=HOURS)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "delete from elementary.dbt_source_freshness_results where unique_id like '%products'"
        )
        con.execute(
            "update elementary.dbt_source_freshness_results set max_loaded_at = null, "
            "status = 'runtime error', error = 'No files found' where created_at > '2026-05-02'"
        )
        con.execute("delete from audit.dbt_invocation_log where status != 'error'")
        con.execute("delete from elementary.elementary_test_results")
    results = _results(path)
    assert results["source freshness|landing.products"] == ("error", "never checked")
    assert results["source freshness|landing.orders"] == ("error", "last check failed")
    assert results["last successful run|audit.dbt_invocation_log"] == ("error", "no rows")
    assert results["dq score|latest tests"] == ("error", "no test results")


def test_a_failing_query_is_an_error_row_not_a_crash(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _write_warehouse(path, orders_age=HOURS)
    with duckdb.connect(str(path)) as con:
        con.execute("drop table elementary.dbt_source_freshness_results")
    results = _results(path)
    assert results["source freshness|landing.orders"] == ("error", "query failed")
    assert results["last successful run|audit.dbt_invocation_log"][0] == "pass"
    assert results["dq score|latest tests"][0] == "pass"


# --- the command -----------------------------------------------------------------------------


def _invoke_health(tmp_path, monkeypatch, *args: str):
    path = tmp_path / "warehouse.duckdb"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(_manifest("duckdb", '"', "warehouse")))
    monkeypatch.setenv("LAKEHOUSE_BI_DUCKDB_PATH", str(path))
    monkeypatch.setattr("lakehouse_bi.ops.health.dt.datetime", _FrozenDatetime)
    return CliRunner().invoke(main, ["health", "--manifest", str(manifest), *args])


class _FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW.astimezone(tz) if tz else NOW.replace(tzinfo=None)


def test_command_exit_codes(tmp_path, monkeypatch):
    _write_warehouse(tmp_path / "warehouse.duckdb", orders_age=40 * HOURS)
    ok = _invoke_health(tmp_path, monkeypatch)
    strict = _invoke_health(tmp_path, monkeypatch, "--fail-on", "warn")
    assert ok.exit_code == 0, ok.output
    assert "Pipeline health (duckdb" in ok.stdout
    assert "WARN" in ok.stdout
    assert strict.exit_code == 1
    assert "landing.orders (warn)" in strict.stderr


def test_command_reports_json_and_fails_on_dq(tmp_path, monkeypatch):
    _write_warehouse(tmp_path / "warehouse.duckdb", orders_age=HOURS, failing_tests=10)
    monkeypatch.setenv("LAKEHOUSE_BI_MIN_DQ_SCORE", "0.8")
    result = _invoke_health(tmp_path, monkeypatch, "--json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert {line["check"] for line in lines} == {
        "last successful run", "source freshness", "dq score",
    }  # fmt: skip
    (dq,) = [line for line in lines if line["check"] == "dq score"]
    assert (dq["status"], dq["threshold"]) == ("error", "error < 80%")


def test_command_without_manifest_explains(tmp_path, monkeypatch):
    result = CliRunner().invoke(main, ["health", "--manifest", str(tmp_path / "none.json")])
    assert result.exit_code == ConfigError.exit_code
    assert "dbt parse" in result.stderr


# --- the Databricks path: the same checks through databricks-sql-connector's interface --------


class _FakeDatabricksCursor:
    """What databricks.sql returns, answering Databricks SQL from DuckDB."""

    def __init__(self, connection: _FakeDatabricksConnection):
        self._connection = connection
        self._rows: list[tuple] = []

    def execute(self, sql: str, parameters=None) -> None:
        self._connection.statements.append(sql)
        duckdb_sql = sqlglot.transpile(sql, read="databricks", write="duckdb")[0]
        self._rows = self._connection.duck.execute(duckdb_sql).fetchall()

    def fetchall(self) -> list[tuple]:
        return self._rows

    def close(self) -> None:
        pass


class _FakeDatabricksConnection:
    def __init__(self, duck: duckdb.DuckDBPyConnection):
        self.duck = duck
        self.statements: list[str] = []
        self.closed = False

    def cursor(self) -> _FakeDatabricksCursor:
        return _FakeDatabricksCursor(self)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def databricks_warehouse(tmp_path):
    """A Databricks manifest (catalog lakehouse_bi_prod, backtick quoting) over a warehouse
    whose data sits in DuckDB under that catalog name."""
    path = tmp_path / "warehouse.duckdb"
    _write_warehouse(path, orders_age=40 * HOURS, failing_tests=1)
    duck = duckdb.connect()
    duck.execute(f"attach '{path}' as lakehouse_bi_prod (read_only)")
    calls = []

    def connect(**kwargs):
        calls.append(kwargs)
        return _FakeDatabricksConnection(duck)

    return Manifest(_manifest("databricks", "`", "lakehouse_bi_prod"), path), connect, calls


def test_databricks_path_runs_the_same_checks(databricks_warehouse):
    manifest, connect, calls = databricks_warehouse
    env = {
        "DATABRICKS_HOST": "https://dbc-123.cloud.databricks.com/",
        "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc",
        "DATABRICKS_TOKEN": "dapi-fake",
    }
    warehouse = connect_databricks(env, connect=connect)
    results = run_health_checks(warehouse, manifest, 0.95, now=NOW)
    warehouse.close()

    assert calls == [
        {
            "server_hostname": "dbc-123.cloud.databricks.com",
            "http_path": "/sql/1.0/warehouses/abc",
            "access_token": "dapi-fake",
            **SQL_RETRY_POLICY,
        }
    ]
    assert warehouse.connection.closed
    statuses = {f"{r.check}|{r.subject}": r.status for r in results}
    assert statuses == {
        "last successful run|audit.dbt_invocation_log": "pass",
        "source freshness|landing.orders": "warn",
        "source freshness|landing.products": "pass",
        "dq score|latest tests": "pass",  # 39/40 = 97.5 %
    }
    # Every statement is Databricks SQL: sqlfluff's databricks dialect parses it.
    for statement in warehouse.connection.statements:
        assert "`lakehouse_bi_prod`." in statement
        sqlfluff.parse(statement, dialect="databricks")


def test_databricks_service_principal_uses_oauth(databricks_warehouse):
    _, connect, calls = databricks_warehouse
    env = {
        "DATABRICKS_HOST": "dbc-123.cloud.databricks.com",
        "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc",
        "DATABRICKS_CLIENT_ID": "sp-id",
        "DATABRICKS_CLIENT_SECRET": "sp-secret",
    }
    connect_databricks(env, connect=connect)
    (kwargs,) = calls
    assert "access_token" not in kwargs
    assert callable(kwargs["credentials_provider"])


def test_databricks_without_credentials_explains():
    env = {"DATABRICKS_HOST": "h", "DATABRICKS_HTTP_PATH": "/p"}
    with pytest.raises(ConfigError, match="No Databricks credentials"):
        connect_databricks(env, connect=lambda **_: None)
    with pytest.raises(ConfigError, match="DATABRICKS_HTTP_PATH"):
        connect_databricks({"DATABRICKS_HOST": "h"}, connect=lambda **_: None)


def test_notify_posts_a_breach_and_survives_a_dead_webhook(tmp_path, monkeypatch, httpserver):
    from lakehouse_bi.http.resilient import reset_breakers

    reset_breakers()
    _write_warehouse(tmp_path / "warehouse.duckdb", orders_age=40 * HOURS)
    httpserver.expect_request("/slack", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SLACK_WEBHOOK", httpserver.url_for("/slack"))
    monkeypatch.setenv("TEAMS_WEBHOOK", httpserver.url_for("/teams-gone"))  # answers 500
    monkeypatch.setenv("LAKEHOUSE_BI_HTTP_ATTEMPTS", "1")
    result = _invoke_health(tmp_path, monkeypatch, "--fail-on", "warn", "--notify")
    assert result.exit_code == 1  # the breach, not the dead webhook, decides the exit code
    posted = [r.get_json()["text"] for r, _ in httpserver.log if r.path == "/slack"]
    assert len(posted) == 1
    assert "1 check(s) breached: source freshness landing.orders (warn)" in posted[0]
    assert "teams webhook not delivered" in result.stderr
    quiet = _invoke_health(tmp_path, monkeypatch, "--fail-on", "warn")
    assert quiet.exit_code == 1
    assert len([r for r, _ in httpserver.log if r.path == "/slack"]) == 1  # no --notify
