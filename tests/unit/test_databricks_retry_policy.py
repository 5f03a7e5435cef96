"""The retry policies the project sets on the clients that retry by themselves: databricks-sdk
(tested against a loopback fake workspace) and databricks-sql-connector (the bounds it
accepts), instead of a second retry loop around them."""

from __future__ import annotations

import json

import pytest
from databricks.sql.backend.thrift_backend import _retry_policy
from ops_support import DATABRICKS_ENV, FakeConnection
from werkzeug import Response

from lakehouse_bi.errors import ConfigError, WarehouseError
from lakehouse_bi.ops.warehouse import SQL_RETRY_POLICY, connect_databricks
from lakehouse_bi.ops.workspace import client_settings, sdk_call, workspace_client

TABLE_PATH = "/api/2.1/unity-catalog/tables/main.gold.fct_sales"
UNAVAILABLE = json.dumps({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"})


@pytest.fixture
def workspace(httpserver, monkeypatch):
    """A fake workspace: the SDK's host-metadata probe gets a 404 (not retried)."""
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", "/nonexistent")
    httpserver.expect_request("/.well-known/databricks-config").respond_with_data("", status=404)
    env = {
        "DATABRICKS_HOST": httpserver.url_for("/").rstrip("/"),
        "DATABRICKS_TOKEN": "dapi-test",  # pragma: allowlist secret
        "LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT": "20",
    }
    return httpserver, env


def _count(server, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def test_the_sdk_retries_a_503_by_itself(workspace):
    server, env = workspace
    answers = [
        Response(UNAVAILABLE, 503, {"Retry-After": "0"}, content_type="application/json"),
        Response(
            json.dumps({"full_name": "main.gold.fct_sales", "table_type": "MANAGED"}),
            content_type="application/json",
        ),
    ]
    server.expect_request(TABLE_PATH).respond_with_handler(lambda _: answers.pop(0))

    client = workspace_client(env)
    table = sdk_call("table", lambda: client.tables.get("main.gold.fct_sales"))

    assert table.table_type.value == "MANAGED"
    assert _count(server, TABLE_PATH) == 2
    request = next(r for r, _ in server.log if r.path == TABLE_PATH)
    assert request.headers["Authorization"] == "Bearer dapi-test"


def test_a_400_is_not_retried_and_becomes_a_warehouse_error(workspace):
    server, env = workspace
    server.expect_request(TABLE_PATH).respond_with_json(
        {"error_code": "INVALID_PARAMETER_VALUE", "message": "bad name"}, status=400
    )
    client = workspace_client(env)
    with pytest.raises(WarehouseError, match=r"table main\.gold\.fct_sales: bad name") as error:
        sdk_call("table main.gold.fct_sales", lambda: client.tables.get("main.gold.fct_sales"))
    assert error.value.exit_code == 6
    assert _count(server, TABLE_PATH) == 1


def test_the_retry_timeout_bounds_a_dead_workspace(workspace):
    server, env = workspace
    server.expect_request(TABLE_PATH).respond_with_data(
        UNAVAILABLE, status=503, headers={"Retry-After": "0"}, content_type="application/json"
    )
    client = workspace_client({**env, "LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT": "1"})
    assert client.config.retry_timeout_seconds == 1
    with pytest.raises(WarehouseError, match="Timed out"):
        sdk_call("table", lambda: client.tables.get("main.gold.fct_sales"))
    assert _count(server, TABLE_PATH) >= 1


def test_client_settings_defaults_and_errors():
    settings = client_settings({"DATABRICKS_HOST": "dbc.example.com", "DATABRICKS_TOKEN": "t"})
    assert settings == {
        "host": "https://dbc.example.com",
        "retry_timeout_seconds": 120,
        "http_timeout_seconds": 60,
        "token": "t",
    }
    sp = client_settings(
        {"DATABRICKS_HOST": "h", "DATABRICKS_CLIENT_ID": "id", "DATABRICKS_CLIENT_SECRET": "s"}
    )
    assert (sp["client_id"], sp["client_secret"]) == ("id", "s")
    with pytest.raises(ConfigError, match="DATABRICKS_HOST"):
        client_settings({})
    with pytest.raises(ConfigError, match="No Databricks credentials"):
        client_settings({"DATABRICKS_HOST": "h"})
    with pytest.raises(ConfigError, match="LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT"):
        client_settings(
            {
                "DATABRICKS_HOST": "h",
                "DATABRICKS_TOKEN": "t",
                "LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT": "-1",
            }
        )


def test_sql_connector_policy_is_within_the_bounds_it_accepts():
    """Outside its bounds the connector clamps the value with a warning: ours must be inside,
    and tighter than its defaults (30 attempts over 900 s)."""
    for name, value in SQL_RETRY_POLICY.items():
        if name == "_socket_timeout":
            continue
        _kind, _default, low, high = _retry_policy[name]
        assert low <= value <= high, name
    assert (
        SQL_RETRY_POLICY["_retry_stop_after_attempts_count"]
        < _retry_policy["_retry_stop_after_attempts_count"][1]
    )
    assert (
        SQL_RETRY_POLICY["_retry_stop_after_attempts_duration"]
        < _retry_policy["_retry_stop_after_attempts_duration"][1]
    )


def test_the_sql_connection_is_opened_with_the_policy():
    fake = FakeConnection()
    connect_databricks(DATABRICKS_ENV, connect=fake.connect)
    for name, value in SQL_RETRY_POLICY.items():
        assert fake.connect_kwargs[name] == value
