"""`lakehouse-bi dashboards deploy` against a loopback fake of the Databricks REST API: the real
databricks-sdk client sends every call; the fake keeps the workspace's state and records them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_workspace import LAKEVIEW, FakeWorkspace

from lakehouse_bi.cli import main
from lakehouse_bi.deploy.dashboard_specs import load_specs
from lakehouse_bi.deploy.dashboards import (
    DeployError,
    build_plan,
    default_parent_path,
    deploy,
    workspace_client,
)

PROJECT = Path(__file__).resolve().parents[2]
FOLDER = "/Workspace/Shared/lakehouse-bi/prod"
WAREHOUSE = "wh0123456789abcd"
NAMES = ["Sales Overview", "Executive Summary", "Pipeline Health"]


@pytest.fixture(autouse=True)
def _environment(monkeypatch, tmp_path):
    """The example profile (catalog lakehouse_bi_prod), no developer config, no destination."""
    shutil.copy(PROJECT / "profiles.yml.example", tmp_path / "profiles.yml")
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    for name in ("DATABRICKS_CATALOG", "LAKEHOUSE_BI_EXECUTIVE_DESTINATION_ID",
                 "DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(httpserver) -> FakeWorkspace:
    workspace = FakeWorkspace()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(workspace.handle)
    return workspace


@pytest.fixture
def client(httpserver, fake):
    return workspace_client(
        retry_timeout_seconds=30,
        host=httpserver.url_for("/").rstrip("/"),
        token="dapi-test-token",  # pragma: allowlist secret
        auth_type="pat",
    )


def _plan(specs=None):
    return build_plan(PROJECT, "prod", FOLDER, WAREHOUSE, specs)


def test_first_deploy_creates_folder_dashboards_schedules_and_alert(fake, client):
    report = deploy(client, _plan())

    assert len(fake.dashboards) == 3 and "/Shared/lakehouse-bi/prod" in fake.folders
    first = [(c.method, c.path) for c in fake.calls[:6]]
    assert first == [
        ("GET", "/api/2.0/workspace/get-status"),
        ("POST", LAKEVIEW),  # 404: the folder does not exist yet
        ("POST", "/api/2.0/workspace/mkdirs"),
        ("POST", LAKEVIEW),
        ("POST", f"{LAKEVIEW}/dash0001/published"),
        ("PUT", "/api/2.0/permissions/dashboards/dash0001"),
    ]
    assert fake.calls[0].query == {"path": f"{FOLDER}/Sales Overview.lvdash.json"}
    assert fake.calls[2].body == {"path": FOLDER}
    mkdirs = [c for c in fake.calls if c.path.endswith("/mkdirs")]
    assert len(mkdirs) == 1  # the next dashboards find the folder

    created = fake.calls[3].body
    assert created["display_name"] == "Sales Overview"
    assert created["parent_path"] == FOLDER
    assert created["warehouse_id"] == WAREHOUSE
    serialized = json.loads(created["serialized_dashboard"])  # a JSON string inside the body
    sql = "".join(serialized["datasets"][0]["queryLines"])
    assert "from lakehouse_bi_prod.gold.sales_dashboard_metrics" in sql
    assert "${" not in created["serialized_dashboard"]
    assert ":date_range.min" in sql  # parameters are Lakeview's to bind
    local = json.loads((PROJECT / "resources/dashboards/sales_overview.lvdash.json").read_text())
    assert serialized["pages"] == local["pages"]

    for dashboard_id in fake.dashboards:
        assert fake.published[dashboard_id] == {
            "embed_credentials": False,
            "warehouse_id": WAREHOUSE,
        }
    sales = fake.by_path("/Shared/lakehouse-bi/prod/Sales Overview.lvdash.json")
    assert fake.permissions[sales["dashboard_id"]] == [
        {"group_name": "lakehouse_bi_bi_viewers", "permission_level": "CAN_READ"},
        {"group_name": "lakehouse_bi_analysts", "permission_level": "CAN_READ"},
        {"group_name": "lakehouse_bi_data_engineers", "permission_level": "CAN_EDIT"},
        {"group_name": "lakehouse_bi_admins", "permission_level": "CAN_MANAGE"},
    ]
    schedules = {
        fake.dashboards[d]["display_name"]: [s["cron_schedule"] for s in fake.schedules.get(d, [])]
        for d in fake.dashboards
    }
    assert schedules == {
        "Sales Overview": [{"quartz_cron_expression": "0 0 */2 * * ?", "timezone_id": "UTC"}],
        "Executive Summary": [{"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"}],
        "Pipeline Health": [],
    }

    (alert,) = fake.alerts.values()
    assert alert["display_name"] == "Sales drop > 20 % vs previous day"
    assert alert["evaluation"]["comparison_operator"] == "LESS_THAN"
    assert alert["evaluation"]["threshold"] == {"value": {"double_value": -0.2}}
    assert alert["evaluation"]["source"] == {"name": "total_sales_change"}
    assert alert["evaluation"]["notification"]["subscriptions"] == [
        {"user_email": "sales-alerts@example.com"}
    ]
    assert alert["schedule"] == {
        "pause_status": "UNPAUSED", "quartz_cron_schedule": "0 0 7 * * ?", "timezone_id": "UTC",
    }  # fmt: skip
    assert "from lakehouse_bi_prod.gold.sales_dashboard_metrics" in alert["query_text"]
    assert [line.split(" (")[0] for line in report.lines] == [
        'Dashboard "Sales Overview" created', 'Dashboard "Executive Summary" created',
        'Dashboard "Pipeline Health" created', 'Alert "Sales drop > 20 % vs previous day" created',
    ]  # fmt: skip


def test_second_deploy_updates_without_duplicates(fake, client):
    deploy(client, _plan())
    snapshot = (dict(fake.dashboards), {k: list(v) for k, v in fake.schedules.items()})
    fake.calls.clear()

    deploy(client, _plan())

    assert len(fake.dashboards) == 3 and len(fake.alerts) == 1
    assert set(fake.dashboards) == set(snapshot[0])
    writes = fake.writes()
    assert ("POST", LAKEVIEW) not in writes
    assert not any(p.endswith("/mkdirs") or p.endswith("/schedules") for _, p in writes)
    assert [m for m, p in writes if re.fullmatch(LAKEVIEW + r"/dash\d+", p)] == ["PATCH"] * 3
    assert sorted(p for m, p in writes if p.endswith("/published")) == sorted(
        f"{LAKEVIEW}/{d}/published" for d in fake.dashboards
    )
    assert {k: [s["schedule_id"] for s in v] for k, v in fake.schedules.items()} == {
        k: [s["schedule_id"] for s in v] for k, v in snapshot[1].items()
    }
    (alert_call,) = [c for c in fake.calls if c.path.startswith("/api/2.0/alerts/")]
    assert alert_call.method == "PATCH"
    assert alert_call.query["update_mask"].split(",") == [
        "display_name", "query_text", "warehouse_id", "evaluation", "schedule", "custom_summary",
    ]  # fmt: skip
    assert "parent_path" not in alert_call.body  # create-only field


def test_existing_folder_is_not_created_again(fake, client):
    fake.folders |= {"/Shared/lakehouse-bi", "/Shared/lakehouse-bi/prod"}
    deploy(client, _plan())
    assert not [c for c in fake.calls if c.path.endswith("/mkdirs")]
    assert len([c for c in fake.calls if (c.method, c.path) == ("POST", LAKEVIEW)]) == 3


def test_permissions_are_replaced_not_added(fake, client):
    deploy(client, _plan())
    sales = fake.by_path("/Shared/lakehouse-bi/prod/Sales Overview.lvdash.json")["dashboard_id"]
    fake.permissions[sales].append(
        {"user_name": "someone@example.com", "permission_level": "CAN_MANAGE"}
    )
    fake.calls.clear()

    deploy(client, _plan())

    (call,) = [c for c in fake.calls if c.path == f"/api/2.0/permissions/dashboards/{sales}"]
    assert call.method == "PUT"  # set (replace), not PATCH (add)
    assert [p.get("user_name") for p in fake.permissions[sales]] == [None] * 4


def test_schedule_change_updates_with_etag_and_removal_deletes(fake, client, monkeypatch):
    deploy(client, _plan())
    specs = load_specs(PROJECT)
    executive = fake.by_path("/Shared/lakehouse-bi/prod/Executive Summary.lvdash.json")[
        "dashboard_id"
    ]
    sales = fake.by_path("/Shared/lakehouse-bi/prod/Sales Overview.lvdash.json")["dashboard_id"]
    (before,) = fake.schedules[executive]
    before = dict(before)  # the fake updates its schedules in place
    changed = specs.schedules.model_copy(
        update={"schedules": {"Executive Summary": specs.schedules.schedules["Executive Summary"]
                              .model_copy(update={"cron": "30 5 * * MON-FRI"})}}
    )  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_BI_EXECUTIVE_DESTINATION_ID", "dest-123")
    fake.calls.clear()

    deploy(
        client, _plan(specs.__class__(specs.parameters, specs.permissions, changed, specs.alerts))
    )

    (after,) = fake.schedules[executive]
    assert after["schedule_id"] == before["schedule_id"]
    assert after["cron_schedule"]["quartz_cron_expression"] == "0 30 5 ? * MON-FRI"
    (put,) = [c for c in fake.calls if c.method == "PUT" and "/schedules/" in c.path]
    assert put.body["etag"] == before["etag"]
    assert fake.schedules[sales] == []  # Sales Overview no longer scheduled: deleted
    (delete,) = [c for c in fake.calls if c.method == "DELETE"]
    assert delete.path.startswith(f"{LAKEVIEW}/{sales}/schedules/") and delete.query["etag"]
    assert fake.subscriptions[after["schedule_id"]] == [
        {"subscriber": {"destination_subscriber": {"destination_id": "dest-123"}},
         "subscription_id": fake.subscriptions[after["schedule_id"]][0]["subscription_id"]}
    ]  # fmt: skip

    fake.calls.clear()
    deploy(
        client, _plan(specs.__class__(specs.parameters, specs.permissions, changed, specs.alerts))
    )
    assert not [c for c in fake.calls if "/schedules" in c.path and c.method != "GET"]
    assert len(fake.subscriptions[after["schedule_id"]]) == 1  # not subscribed twice


def test_429_is_retried_by_the_sdk(fake, client):
    fake.fail_once("POST", f"{LAKEVIEW}/[^/]+/published", 429, "REQUEST_LIMIT_EXCEEDED",
                   "Too many requests", **{"Retry-After": "0"})  # fmt: skip
    fake.fail_once("GET", "/api/2.0/alerts", 503, "TEMPORARILY_UNAVAILABLE", "try later")

    deploy(client, _plan())

    published = [c.path for c in fake.calls if c.path.endswith("/published")]
    assert published[0] == published[1]  # the same publish, sent again
    assert len(published) == 4 and len(fake.published) == 3
    assert [c.method for c in fake.calls if c.path == "/api/2.0/alerts"] == ["GET", "GET", "POST"]


def test_400_is_not_retried_and_names_the_dashboard(fake, client):
    fake.fail_once("POST", LAKEVIEW, 400, "INVALID_PARAMETER_VALUE",
                   "validation failed: [resource name must be unique]")  # fmt: skip
    fake.folders.add("/Shared/lakehouse-bi/prod")
    fake.folders.add("/Shared/lakehouse-bi")

    with pytest.raises(DeployError) as raised:
        deploy(client, _plan())

    message = str(raised.value)
    assert 'Dashboard "Sales Overview": create failed (INVALID_PARAMETER_VALUE)' in message
    assert "resource name must be unique" in message
    assert [(c.method, c.path) for c in fake.calls] == [
        ("GET", "/api/2.0/workspace/get-status"),
        ("POST", LAKEVIEW),
    ]


def test_cli_deploy_and_dry_run(fake, httpserver, monkeypatch):
    monkeypatch.chdir(PROJECT)
    runner = CliRunner()
    dry = runner.invoke(main, ["dashboards", "deploy", "--target", "prod", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "PUT    /api/2.0/permissions/dashboards/<id>  (replace)" in dry.output
    assert "${gold} -> lakehouse_bi_prod.gold" in dry.output
    assert not fake.calls  # a dry run sends nothing

    no_host = runner.invoke(
        main, ["dashboards", "deploy", "--target", "prod", "--warehouse-id", WAREHOUSE]
    )
    assert no_host.exit_code == 2 and "Cannot connect to a Databricks workspace" in no_host.output
    assert "DATABRICKS_HOST" in no_host.output

    monkeypatch.setenv("DATABRICKS_HOST", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test-token")  # pragma: allowlist secret
    no_warehouse = runner.invoke(main, ["dashboards", "deploy", "--target", "prod"])
    assert no_warehouse.exit_code == 2 and "DATABRICKS_WAREHOUSE_ID" in no_warehouse.output

    result = runner.invoke(
        main, ["dashboards", "deploy", "--target", "prod", "--warehouse-id", WAREHOUSE]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count(" created (") == 4
    assert default_parent_path("prod") == FOLDER and len(fake.dashboards) == 3


def test_local_target_is_refused():
    with pytest.raises(Exception, match="duckdb target"):
        build_plan(PROJECT, "local", FOLDER, WAREHOUSE)


def _sequence(fake: FakeWorkspace) -> list[str]:
    """Calls as `METHOD path`, ids replaced by {id} / {sid} (the docs' REST call list)."""
    calls = []
    for call in fake.calls:
        path = re.sub(r"dash\d+", "{id}", re.sub(r"sched\d+", "{sid}", call.path))
        path = re.sub(r"alert\d+", "{id}", path)
        calls.append(f"{call.method} {path}")
    return calls


def test_rest_calls_of_first_and_second_deploy(fake, client, monkeypatch):
    """The REST calls docs/DATABRICKS.md lists ("REST calls of a deploy")."""
    monkeypatch.setenv("LAKEHOUSE_BI_EXECUTIVE_DESTINATION_ID", "dest-1")
    deploy(client, _plan())
    board = "/api/2.0/lakeview/dashboards/{id}"
    common = [f"POST {board}/published", "PUT /api/2.0/permissions/dashboards/{id}",
              f"GET {board}/schedules"]  # fmt: skip
    status = "GET /api/2.0/workspace/get-status"
    assert _sequence(fake) == [
        status, f"POST {LAKEVIEW}", "POST /api/2.0/workspace/mkdirs", f"POST {LAKEVIEW}",
        *common, f"POST {board}/schedules",
        status, f"POST {LAKEVIEW}", *common, f"POST {board}/schedules",
        f"GET {board}/schedules/{{sid}}/subscriptions",
        f"POST {board}/schedules/{{sid}}/subscriptions",
        status, f"POST {LAKEVIEW}", *common,
        "GET /api/2.0/alerts", "POST /api/2.0/alerts",
    ]  # fmt: skip

    fake.calls.clear()
    deploy(client, _plan())
    assert _sequence(fake) == [
        status, f"PATCH {board}", *common,
        status, f"PATCH {board}", *common, f"GET {board}/schedules/{{sid}}/subscriptions",
        status, f"PATCH {board}", *common,
        "GET /api/2.0/alerts", "PATCH /api/2.0/alerts/{id}",
    ]  # fmt: skip


def test_transient_errors_past_the_retry_timeout_stop_with_a_clear_error(fake, httpserver):
    for _ in range(50):
        fake.fail_once("GET", "/api/2.0/workspace/get-status", 503, "TEMPORARILY_UNAVAILABLE",
                       "down for maintenance", **{"Retry-After": "0"})  # fmt: skip
    client = workspace_client(
        retry_timeout_seconds=1,
        host=httpserver.url_for("/").rstrip("/"),
        token="dapi-test-token",  # pragma: allowlist secret
        auth_type="pat",
    )
    with pytest.raises(DeployError) as raised:
        deploy(client, _plan())
    assert 'Dashboard "Sales Overview": lookup failed (TimeoutError)' in str(raised.value)
    lookups = [c for c in fake.calls if c.path == "/api/2.0/workspace/get-status"]
    assert 1 < len(lookups) < 50  # retried by the SDK, then given up at its timeout
    assert not fake.dashboards
