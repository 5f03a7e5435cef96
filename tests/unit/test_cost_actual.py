"""`lakehouse-bi cost actual` through databricks-sdk against a loopback fake workspace.

The fake answers what the SDK asks (GET /.well-known/databricks-config -> 404, then the
statement execution API: POST /api/2.0/sql/statements, GET .../statements/{id}, GET
.../result/chunks/{n}) and records method, path and body, so the tests check what the command
sends as well as what it makes of the answers: the table, the JSON file, the errors.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError, WarehouseError
from lakehouse_bi.ops import cost_actual
from lakehouse_bi.ops.workspace import workspace_client

PROJECT = Path(__file__).resolve().parents[2]
WAREHOUSE = "wh0cost0test"
STATEMENT = "01f0-cost-statement"
COLUMNS = [
    "row_kind", "target", "layer", "model", "materialized", "currency_code", "statements",
    "busy_ms", "dbus", "list_cost",
]  # fmt: skip
ROWS = [
    ["model", "prod", "gold", "fct_sales", "table", "USD", "2", "2700000", "1.460000", "1.022000"],
    ["model", "prod", None, None, None, "USD", "1", "600000", "0.320000", "0.224000"],
    ["other_workloads", None, None, None, None, "USD", "1", "1200000", "0.640000", "0.448000"],
]
CHUNK_1 = [["idle", None, None, None, None, "USD", "0", "0", "1.000000", "0.800000"]]


class FakeWorkspace:
    """The statement execution API of one warehouse; `script` decides each answer."""

    def __init__(self, states: list[str], failure: dict | None = None, refuse: int = 0):
        self.requests: list[tuple[str, str, dict | None]] = []
        self.states = list(states)  # state of each successive answer about the statement
        self.failure = failure
        self.refuse = refuse  # HTTP status of the POST, 0 to accept

    def _status(self) -> dict:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        status: dict = {"state": state}
        if state == "FAILED" and self.failure:
            status["error"] = self.failure
        answer: dict = {"statement_id": STATEMENT, "status": status}
        if state == "SUCCEEDED":
            answer["manifest"] = {
                "format": "JSON_ARRAY",
                "schema": {"column_count": 10, "columns": [{"name": c} for c in COLUMNS]},
                "total_chunk_count": 2,
            }
            answer["result"] = {"chunk_index": 0, "data_array": ROWS, "next_chunk_index": 1}
        return answer

    def __call__(self, request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True)) if request.data else None
        self.requests.append((request.method, request.path, body))
        if request.path == "/.well-known/databricks-config":
            return _json({"error_code": "NOT_FOUND", "message": "no"}, 404)
        if request.method == "POST" and request.path == "/api/2.0/sql/statements":
            if self.refuse:
                message = "User is not allowed to use warehouse " + WAREHOUSE
                return _json({"error_code": "PERMISSION_DENIED", "message": message}, self.refuse)
            return _json(self._status())
        if request.method == "GET" and request.path == f"/api/2.0/sql/statements/{STATEMENT}":
            return _json(self._status())
        if request.path == f"/api/2.0/sql/statements/{STATEMENT}/result/chunks/1":
            return _json({"chunk_index": 1, "data_array": CHUNK_1})
        return _json({"error_code": "NOT_FOUND", "message": request.path}, 404)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


@pytest.fixture
def workspace_env(tmp_path, monkeypatch, httpserver):
    """A project cwd and the env of a configured workspace pointing at the loopback fake."""
    monkeypatch.chdir(PROJECT)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.setenv("DATABRICKS_HOST", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test")  # pragma: allowlist secret
    monkeypatch.setenv("DATABRICKS_HTTP_PATH", f"/sql/1.0/warehouses/{WAREHOUSE}")
    monkeypatch.delenv(cost_actual.WAREHOUSE_ID_ENV, raising=False)
    monkeypatch.setenv("LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT", "5")
    return httpserver


def serve(httpserver, fake: FakeWorkspace) -> FakeWorkspace:
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    return fake


def test_actual_sends_one_parameterised_statement_and_writes_the_spend(workspace_env, tmp_path):
    fake = serve(workspace_env, FakeWorkspace(["SUCCEEDED"]))
    out = tmp_path / "cost.json"
    result = CliRunner().invoke(
        main, ["cost", "actual", "--days", "7", "--target", "prod", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert len(posts) == 1
    _, path, body = posts[0]
    assert path == "/api/2.0/sql/statements"
    assert body["statement"] == cost_actual.attribution_sql()
    assert body["warehouse_id"] == WAREHOUSE  # from DATABRICKS_HTTP_PATH
    assert (body["disposition"], body["format"]) == ("INLINE", "JSON_ARRAY")
    assert (body["wait_timeout"], body["on_wait_timeout"]) == ("50s", "CONTINUE")
    assert body["query_tags"] == [{"key": "lakehouse_bi_command", "value": "cost actual"}]
    params = {p["name"]: p for p in body["parameters"]}
    assert {n: params[n]["value"] for n in ("project", "target", "job_run_id")} == {
        "project": "lakehouse_bi", "target": "prod", "job_run_id": "",
    }  # fmt: skip
    start = dt.datetime.fromisoformat(params["window_start"]["value"])
    end = dt.datetime.fromisoformat(params["window_end"]["value"])
    assert params["window_start"]["type"] == params["window_end"]["type"] == "TIMESTAMP"
    assert end - start == dt.timedelta(days=7) and (end.minute, end.second) == (0, 0)
    # The second chunk was fetched; the JSON holds exact decimals.
    assert ("GET", f"/api/2.0/sql/statements/{STATEMENT}/result/chunks/1", None) in fake.requests
    written = json.loads(out.read_text())
    assert written["statement_id"] == STATEMENT and written["target"] == "prod"
    assert [m["model"] for m in written["models"]] == ["fct_sales", None]
    assert written["models"][0]["list_cost"] == "1.022000"
    assert written["totals"] == {
        "model": "1.246000",
        "other_workloads": "0.448000",
        "idle": "0.800000",
    }
    assert "fct_sales" in result.output and "(run hooks)" in result.output
    assert (
        "1.02" in result.output and "other workloads on the same warehouses: 0.45" in result.output
    )


def test_fetch_polls_a_statement_still_running(workspace_env):
    fake = serve(workspace_env, FakeWorkspace(["PENDING", "RUNNING", "SUCCEEDED"]))
    slept: list[float] = []
    window = cost_actual.Window.last_days(1, dt.datetime(2026, 3, 2, 7, 42, tzinfo=dt.timezone.utc))
    attribution = cost_actual.fetch_attribution(
        workspace_client(), WAREHOUSE, window, "lakehouse_bi", job_run_id="77", sleep=slept.append
    )
    gets = [r for r in fake.requests if r[:2] == ("GET", f"/api/2.0/sql/statements/{STATEMENT}")]
    assert len(gets) == 2 and slept == [5, 5]
    assert window.end == dt.datetime(2026, 3, 2, 7, tzinfo=dt.timezone.utc)
    assert attribution.total("model") == Decimal("1.246")
    assert [r.row_kind for r in attribution.rows] == ["model", "model", "other_workloads", "idle"]


def test_a_statement_that_runs_too_long_stops_with_its_id(workspace_env):
    serve(workspace_env, FakeWorkspace(["RUNNING"]))
    ticks = iter(range(0, 1000, 300))
    with pytest.raises(WarehouseError, match=STATEMENT):
        cost_actual.fetch_attribution(
            workspace_client(), WAREHOUSE, cost_actual.Window.last_days(1), "lakehouse_bi",
            timeout_seconds=600, sleep=lambda s: None, clock=lambda: next(ticks),
        )  # fmt: skip


def test_missing_privilege_on_a_system_table_names_the_grant(workspace_env):
    failure = {
        "error_code": "BAD_REQUEST",
        "message": "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have "
        "SELECT on Table 'system.query.history'. SQLSTATE: 42501",
    }
    serve(workspace_env, FakeWorkspace(["FAILED"], failure=failure))
    result = CliRunner().invoke(main, ["cost", "actual"])
    assert result.exit_code == WarehouseError.exit_code
    text = " ".join(str(result.exception or "").split()) + " ".join(result.output.split())
    assert "GRANT SELECT ON TABLE system.query.history TO <principal>" in text
    assert "USE SCHEMA on `system.billing` and `system.query`" in text


def test_a_system_schema_not_enabled_says_who_enables_it():
    error = cost_actual.explain_failure(
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`query`.`history` cannot be found.",
        WAREHOUSE,
    )
    assert "cannot be found" in error.message and "account admin enables" in error.hint


def test_no_use_of_the_warehouse_names_can_use(workspace_env):
    serve(workspace_env, FakeWorkspace(["SUCCEEDED"], refuse=403))
    with pytest.raises(WarehouseError) as raised:
        cost_actual.fetch_attribution(
            workspace_client(), WAREHOUSE, cost_actual.Window.last_days(1), "lakehouse_bi"
        )
    assert f"CAN USE on SQL warehouse {WAREHOUSE}" in raised.value.hint


def test_without_a_workspace_it_says_so_and_shows_the_estimate(monkeypatch):
    monkeypatch.chdir(PROJECT)
    monkeypatch.delenv("DATABRICKS_HOST", raising=False)
    result = CliRunner().invoke(main, ["cost", "actual", "--json"])
    assert result.exit_code == 0, result.output
    assert "DATABRICKS_HOST is not set" in result.output
    estimate = json.loads(result.output[result.output.index("{") :])
    assert {job["job"] for job in estimate["jobs"]} >= {"daily_build"}


def test_a_workspace_without_a_warehouse_is_a_config_error(monkeypatch):
    env = {"DATABRICKS_HOST": "https://dbc-x.cloud.databricks.com"}
    with pytest.raises(ConfigError, match="No SQL warehouse") as raised:
        cost_actual.warehouse_id_from(env)
    assert "--warehouse-id" in raised.value.hint
    assert cost_actual.warehouse_id_from({**env, "DATABRICKS_WAREHOUSE_ID": "w9"}) == "w9"
    assert cost_actual.warehouse_id_from(env, "w1") == "w1"


def test_run_results_of_a_dbt_task_give_the_job_run_and_its_hours(tmp_path):
    path = tmp_path / "run_results.json"
    results = [
        {"unique_id": "model.lakehouse_bi.fct_sales",
         "adapter_response": {"query_id": "01f0-a", "job_id": "5", "job_run_id": "77"}},
        {"unique_id": "model.lakehouse_bi.dim_date",
         "adapter_response": {"query_id": "01f0-b", "job_id": "5", "job_run_id": "77"}},
    ]  # fmt: skip
    data = {
        "metadata": {"generated_at": "2026-03-01T10:50:12.5Z"},
        "elapsed_time": 3000.0,
        "args": {"target": "prod"},
        "results": results,
    }
    path.write_text(json.dumps(data))
    run_id, window, target = cost_actual.run_results_scope(path)
    utc = dt.timezone.utc
    assert (run_id, target) == ("77", "prod")
    # Started 10:00:12.5 -> from 10:00; ended 10:50:12.5 -> windows starting before 11:50:12.5.
    assert window.start == dt.datetime(2026, 3, 1, 10, tzinfo=utc)
    assert window.end == dt.datetime(2026, 3, 1, 11, 50, 12, 500000, tzinfo=utc)
    for result in results:
        result["adapter_response"].pop("job_run_id")
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="no job_run_id"):
        cost_actual.run_results_scope(path)
