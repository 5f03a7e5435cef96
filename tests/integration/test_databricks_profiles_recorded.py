"""Every Databricks profile of profiles.yml.example is exercised once through the real adapter.

`prod` is recorded by test_databricks_recorded_sql.py. Here `dev` (personal access token) and
`staging` (OAuth machine-to-machine, a service principal) load one seed each through the
recording fake, reading profiles.yml.example itself with its documented env vars. The host
is a loopback server that plays the workspace's OAuth endpoints (OIDC discovery and the token
endpoint), so the M2M flow really runs: the connector must be handed a credentials provider
whose header carries the token the server issued for the client credentials.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from werkzeug import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, record_dbt
from databricks_harness.runner import copy_project

PROJECT = Path(__file__).resolve().parents[2]
HTTP_PATH = "/sql/1.0/warehouses/fake0000warehouse"
PAT = "dapi-offline-dev-token"
CLIENT_ID = "7c1e0f00-0000-4000-8000-000000000001"
CLIENT_SECRET = "dose-offline-fake-secret"  # "dose": Databricks-issued, tried as M2M first
ISSUED_TOKEN = "offline-m2m-access-token"
pytestmark = pytest.mark.slow  # two in-process dbt invocations


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("profiles_recorded")
    copied = copy_project(PROJECT, root / "project")
    shutil.copy(PROJECT / "profiles.yml.example", copied / "profiles.yml")
    return copied


def _oauth_server(httpserver) -> list[dict]:
    """OIDC discovery + token endpoint; returns the list the token requests are appended to."""
    base = httpserver.url_for("").rstrip("/")
    requests: list[dict] = []
    httpserver.expect_request("/oidc/.well-known/oauth-authorization-server").respond_with_json(
        {
            "authorization_endpoint": f"{base}/oidc/v1/authorize",
            "token_endpoint": f"{base}/oidc/v1/token",
        }
    )

    def token(request):
        requests.append(
            {"form": parse_qs(request.get_data(as_text=True)), "auth": request.authorization}
        )
        body = {"access_token": ISSUED_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/oidc/v1/token", method="POST").respond_with_handler(token)
    # The workspace's host metadata: where its OIDC endpoints are.
    httpserver.expect_request("/.well-known/databricks-config").respond_with_json(
        {"oidc_endpoint": f"{base}/oidc", "workspace_id": "1234567890123456", "cloud": "aws"}
    )
    return requests


def _record(project: Path, target: str, catalog: str, env: dict, monkeypatch) -> FakeWarehouse:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DBT_TARGET", target)
    warehouse = FakeWarehouse(catalog, "main")
    record_dbt(
        project, project, ["seed", "--select", "countries"], warehouse=warehouse, label=target,
        target_path=project / f"target_{target}", log_path=project / f"logs_{target}",
    )  # fmt: skip
    return warehouse


def _created_tables(warehouse: FakeWarehouse) -> list[str]:
    return [s.body.split("(")[0] for s in warehouse.statements if s.kind == "CREATE TABLE"]


def test_dev_target_connects_with_the_personal_access_token(project, httpserver, monkeypatch):
    _oauth_server(httpserver)
    env = {
        "DATABRICKS_HOST": httpserver.url_for("").rstrip("/"),
        "DATABRICKS_HTTP_PATH": HTTP_PATH,
        "DATABRICKS_TOKEN": PAT,
        "DATABRICKS_SCHEMA": "dev_alice",
    }
    warehouse = _record(project, "dev", "lakehouse_bi_dev", env, monkeypatch)
    connect = warehouse.connect_kwargs[0]
    assert connect["http_path"] == HTTP_PATH
    assert connect["catalog"] == "lakehouse_bi_dev"
    assert connect["credentials_provider"]()() == {"Authorization": f"Bearer {PAT}"}
    created = _created_tables(warehouse)
    assert any("`lakehouse_bi_dev`." in c and "`countries`" in c for c in created), created


def test_staging_target_connects_as_a_service_principal(project, httpserver, monkeypatch):
    token_requests = _oauth_server(httpserver)
    monkeypatch.delenv("DATABRICKS_TOKEN", raising=False)
    env = {
        "DATABRICKS_HOST": httpserver.url_for("").rstrip("/"),
        "DATABRICKS_HTTP_PATH": HTTP_PATH,
        "DATABRICKS_CLIENT_ID": CLIENT_ID,
        "DATABRICKS_CLIENT_SECRET": CLIENT_SECRET,
    }
    warehouse = _record(project, "staging", "lakehouse_bi_staging", env, monkeypatch)
    connect = warehouse.connect_kwargs[0]
    assert connect["catalog"] == "lakehouse_bi_staging"
    assert connect["credentials_provider"]()() == {"Authorization": f"Bearer {ISSUED_TOKEN}"}
    assert token_requests, "the OAuth token endpoint was never asked"
    grant = token_requests[0]
    assert grant["form"]["grant_type"] == ["client_credentials"]
    sent_id = (grant["auth"].username if grant["auth"] else None) or grant["form"]["client_id"][0]
    assert sent_id == CLIENT_ID
    assert any(
        "`lakehouse_bi_staging`." in c and "`countries`" in c for c in _created_tables(warehouse)
    )
    # No secret reaches the recorded SQL.
    assert not any(CLIENT_SECRET in s.sql or ISSUED_TOKEN in s.sql for s in warehouse.statements)
