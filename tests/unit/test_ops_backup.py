"""`lakehouse-bi ops backup-metadata`: against a loopback fake workspace (Unity Catalog, jobs,
Lakeview REST paths of databricks-sdk 0.117), and on DuckDB (tables and columns only)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import duckdb
import pytest
from click.testing import CliRunner
from ops_support import make_project, model_node, write_manifest
from werkzeug import Request, Response

from lakehouse_bi.cli import main

CATALOG = "lakehouse_bi_prod"
UC = "/api/2.1/unity-catalog"


def _table(schema: str, name: str, *, masked: bool = False, filtered: bool = False) -> dict:
    columns = [
        {"name": "customer_id", "type_name": "LONG", "type_text": "bigint", "position": 0},
        {"name": "email", "type_name": "STRING", "type_text": "string", "position": 1},
    ]
    if masked:
        columns[1]["mask"] = {"function_name": f"{CATALOG}.governance.mask_email"}
    table = {
        "name": name,
        "catalog_name": CATALOG,
        "schema_name": schema,
        "full_name": f"{CATALOG}.{schema}.{name}",
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "columns": columns,
    }
    if filtered:
        table["row_filter"] = {
            "function_name": f"{CATALOG}.governance.country_filter",
            "input_column_names": ["country"],
        }
    return table


TABLES = {
    "gold": [_table("gold", "fct_sales", filtered=True)],
    "silver": [_table("silver", "dim_customer", masked=True)],
}


class FakeWorkspace:
    """Answers the REST calls the backup makes; unknown paths get a 404 the test sees."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, request: Request) -> Response:
        path, query = request.path, parse_qs(request.query_string.decode())
        self.paths.append(path)
        body = self.route(path, query)
        if body is None:
            return Response(
                json.dumps({"error_code": "NOT_FOUND", "message": f"no {path}"}),
                404,
                content_type="application/json",
            )
        return Response(json.dumps(body), content_type="application/json")

    def route(self, path: str, query: dict) -> dict | None:
        if path == "/.well-known/databricks-config":
            return None
        if path == f"{UC}/catalogs/{CATALOG}":
            return {"name": CATALOG, "owner": "admins"}
        if path == f"{UC}/schemas":
            assert query["catalog_name"] == [CATALOG]
            return {
                "schemas": [
                    {"name": name, "catalog_name": CATALOG, "full_name": f"{CATALOG}.{name}"}
                    for name in ("gold", "silver", "scratch", "information_schema")
                ]
            }
        if path == f"{UC}/tables":
            return {"tables": TABLES.get(query["schema_name"][0], [])}
        tags = re.fullmatch(rf"{UC}/entity-tag-assignments/(\w+)/([\w.]+)/tags", path)
        if tags:
            kind, name = tags.groups()
            if kind == "columns" and name.endswith(".email"):
                return {
                    "tag_assignments": [
                        {
                            "entity_type": kind,
                            "entity_name": name,
                            "tag_key": "classification",
                            "tag_value": "pii",
                        }
                    ]
                }
            if kind == "tables":
                return {
                    "tag_assignments": [
                        {
                            "entity_type": kind,
                            "entity_name": name,
                            "tag_key": "layer",
                            "tag_value": name.split(".")[1],
                        }
                    ]
                }
            return {"tag_assignments": []}
        grants = re.fullmatch(rf"{UC}/permissions/(\w+)/([\w.]+)", path)
        if grants:
            return {"privilege_assignments": [{"principal": "analysts", "privileges": ["SELECT"]}]}
        function = re.fullmatch(rf"{UC}/functions/([\w.]+)", path)
        if function:
            return {"full_name": function.group(1), "routine_definition": "CASE WHEN ... END"}
        if path == "/api/2.2/jobs/list":
            return {"jobs": [{"job_id": 11, "settings": {"name": "lakehouse_bi_daily"}}]}
        if path == "/api/2.2/jobs/get":
            assert query["job_id"] == ["11"]
            return {
                "job_id": 11,
                "settings": {"name": "lakehouse_bi_daily", "tasks": [{"task_key": "dbt_build"}]},
            }
        if path == "/api/2.0/lakeview/dashboards":
            return {"dashboards": [{"dashboard_id": "d1", "display_name": "Sales"}]}
        if path == "/api/2.0/lakeview/dashboards/d1":
            return {
                "dashboard_id": "d1",
                "display_name": "Sales",
                "serialized_dashboard": '{"datasets": []}',
            }
        return None


@pytest.fixture
def databricks_project(tmp_path, monkeypatch, httpserver):
    root = make_project(tmp_path / "project", monkeypatch)
    write_manifest(
        root / "target/manifest.json",
        "databricks",
        [
            model_node(
                "fct_sales", "gold", {"customer_id": None}, engine="databricks", database=CATALOG
            ),
            model_node(
                "dim_customer", "silver", {"email": None}, engine="databricks", database=CATALOG
            ),
        ],
    )
    fake = FakeWorkspace()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.setenv("DATABRICKS_HOST", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test")  # pragma: allowlist secret
    monkeypatch.setenv("LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT", "5")
    return root, fake


def test_databricks_backup_writes_unity_catalog_jobs_and_dashboards(databricks_project, tmp_path):
    _root, fake = databricks_project
    out = tmp_path / "backup"
    result = CliRunner().invoke(
        main, ["ops", "backup-metadata", "--target", "prod", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output

    # The REST paths the SDK called: every part of the backup, and no schema outside the project.
    called = set(fake.paths)
    for path in (
        f"{UC}/catalogs/{CATALOG}",
        f"{UC}/permissions/catalog/{CATALOG}",
        f"{UC}/entity-tag-assignments/catalogs/{CATALOG}/tags",
        f"{UC}/schemas",
        f"{UC}/tables",
        f"{UC}/permissions/schema/{CATALOG}.gold",
        f"{UC}/permissions/table/{CATALOG}.silver.dim_customer",
        f"{UC}/entity-tag-assignments/tables/{CATALOG}.gold.fct_sales/tags",
        f"{UC}/entity-tag-assignments/columns/{CATALOG}.silver.dim_customer.email/tags",
        f"{UC}/functions/{CATALOG}.governance.mask_email",
        f"{UC}/functions/{CATALOG}.governance.country_filter",
        "/api/2.2/jobs/list",
        "/api/2.2/jobs/get",
        "/api/2.0/lakeview/dashboards",
        "/api/2.0/lakeview/dashboards/d1",
    ):
        assert path in called, path
    assert not any("scratch" in path for path in fake.paths)

    catalog = json.loads((out / f"catalog_{CATALOG}.json").read_text())
    assert [s["schema"]["name"] for s in catalog["schemas"]] == ["gold", "silver"]
    silver = catalog["schemas"][1]["tables"][0]
    assert silver["columns"][1]["mask"]["function_name"].endswith("mask_email")
    assert silver["column_tags"] == {
        "email": [
            {
                "entity_name": f"{CATALOG}.silver.dim_customer.email",
                "entity_type": "columns",
                "tag_key": "classification",
                "tag_value": "pii",
            }
        ]
    }
    assert silver["grants"] == [{"principal": "analysts", "privileges": ["SELECT"]}]
    gold = catalog["schemas"][0]["tables"][0]
    assert gold["row_filter"]["function_name"].endswith("country_filter")
    assert sorted(catalog["functions"]) == [
        f"{CATALOG}.governance.country_filter",
        f"{CATALOG}.governance.mask_email",
    ]
    jobs = json.loads((out / "jobs.json").read_text())
    assert jobs[0]["settings"]["tasks"] == [{"task_key": "dbt_build"}]
    dashboards = json.loads((out / "dashboards.json").read_text())
    assert json.loads(dashboards[0]["serialized_dashboard"]) == {"datasets": []}
    manifest = json.loads((out / "backup_manifest.json").read_text())
    assert manifest["catalogs"][CATALOG] == {
        "schemas": 2,
        "tables": 2,
        "columns": 4,
        "column_masks": 1,
        "row_filters": 1,
        "functions": 2,
    }
    assert manifest["counts"] == {"jobs": 1, "dashboards": 1}


def test_databricks_backup_failure_names_the_call(databricks_project, tmp_path):
    _root, fake = databricks_project
    fake.route = lambda path, query: None if "catalogs" in path else {}
    result = CliRunner().invoke(
        main, ["ops", "backup-metadata", "--target", "prod", "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 6, result.output
    assert f"catalog {CATALOG}" in result.output


def test_duckdb_backup_has_tables_and_columns_and_says_what_does_not_apply(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        duck.execute(
            "create schema gold; "
            "create table gold.fct_sales (order_id bigint, revenue decimal(18,2))"
        )
        duck.execute("create schema other; create table other.t (x int)")
    write_manifest(root / "target/manifest.json", "duckdb", [model_node("fct_sales", "gold", {})])
    out = tmp_path / "backup"
    result = CliRunner().invoke(main, ["ops", "backup-metadata", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "not backed up: grants" in result.output
    assert "not backed up: column_masks" in result.output
    catalog = json.loads((out / "catalog_warehouse.json").read_text())
    (table,) = catalog["tables"]
    assert (table["table_schema"], table["table_name"]) == ("gold", "fct_sales")
    assert [(c["column_name"], c["data_type"]) for c in table["columns"]] == [
        ("order_id", "BIGINT"),
        ("revenue", "DECIMAL(18,2)"),
    ]
    manifest = json.loads((out / "backup_manifest.json").read_text())
    assert manifest["counts"] == {"tables": 1, "columns": 2}
    assert set(manifest["not_applicable"]) == {
        "tags",
        "grants",
        "column_masks",
        "row_filters",
        "jobs",
        "dashboards",
    }


def test_out_must_be_a_folder(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    duckdb.connect(str(root / "warehouse.duckdb")).close()
    write_manifest(root / "target/manifest.json", "duckdb", [model_node("fct_sales", "gold", {})])
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(main, ["ops", "backup-metadata", "--out", str(tmp_path / "file")])
    assert result.exit_code != 0
    assert "is a file" in result.output or "file" in result.output
