"""`lakehouse-bi ops validate-deployment`: models deployed with their YAML columns and declared
types, rows where expected, dashboard dataset queries run -- on DuckDB, and on Databricks
through a fake connection (statements checked by sqlfluff's databricks dialect)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import sqlfluff
import sqlglot
from click.testing import CliRunner
from ops_support import DATABRICKS_ENV, FakeConnection, make_project, model_node, write_manifest

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.deployment import dashboard_queries

FIXTURE = Path(__file__).parents[1] / "fixtures/ops/sales.lvdash.json"


def _build(duck: duckdb.DuckDBPyConnection, prefix: str = "") -> None:
    duck.execute(f"create schema {prefix}gold; create schema {prefix}silver")
    duck.execute(
        f"create table {prefix}gold.fct_sales (order_id bigint, revenue decimal(18,2), "
        "order_date date, country varchar)"
    )
    duck.execute(
        f"insert into {prefix}gold.fct_sales values (1, 10.5, date '2026-03-01', 'DE'), "
        "(2, 3.0, date '2026-04-01', 'FR')"
    )
    duck.execute(f"create table {prefix}gold.dim_date (date_day date)")  # empty: a failure
    duck.execute(
        f"create table {prefix}silver.quarantine_orders (order_id bigint)"
    )  # empty: allowed
    duck.execute(f"create table {prefix}silver.dim_customer (customer_id bigint, email double)")


def _nodes(engine: str, database: str) -> list:
    kw = {"engine": engine, "database": database}
    return [
        model_node(
            "fct_sales",
            "gold",
            {"order_id": "bigint", "revenue": "decimal(18,2)", "order_date": None},
            **kw,
        ),
        model_node("dim_date", "gold", {"date_day": "date"}, **kw),
        model_node(
            "quarantine_orders", "silver", {"order_id": None}, meta={"allow_empty": True}, **kw
        ),
        model_node(
            "dim_customer",
            "silver",
            {"customer_id": "bigint", "email": "string", "segment": None},
            **kw,
        ),
        model_node("dim_product", "silver", {"product_id": None}, **kw),  # never deployed
    ]


def _findings(output: str) -> dict[str, tuple[str, str]]:
    rows = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return {f"{r['check']}|{r['subject']}": (r["status"], r["detail"]) for r in rows}


EXPECTED = {
    "exists|gold.fct_sales": "pass",
    "columns|gold.fct_sales": "pass",
    "rows|gold.fct_sales": "pass",
    "exists|gold.dim_date": "pass",
    "columns|gold.dim_date": "pass",
    "rows|gold.dim_date": "fail",
    "exists|silver.quarantine_orders": "pass",
    "columns|silver.quarantine_orders": "pass",
    "rows|silver.quarantine_orders": "pass",
    "exists|silver.dim_customer": "pass",
    "columns|silver.dim_customer": "fail",
    "rows|silver.dim_customer": "pass",
    "exists|silver.dim_product": "fail",
    "dashboard query|sales.lvdash.json: Revenue by country": "pass",
    "dashboard query|sales.lvdash.json: Orders, fully qualified": "pass",
    "dashboard query|sales.lvdash.json: Broken: table renamed": "fail",
}


@pytest.fixture
def local(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        _build(duck)
        duck.execute("insert into silver.dim_customer values (1, 0.5)")
    write_manifest(root / "target/manifest.json", "duckdb", _nodes("duckdb", "warehouse"))
    (root / "resources/dashboards").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "resources/dashboards/sales.lvdash.json")
    return root


def test_duckdb_deployment_findings(local):
    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--json"])
    assert result.exit_code == 5, result.output
    findings = _findings(result.output)
    assert {key: status for key, (status, _) in findings.items()} == EXPECTED
    assert findings["rows|gold.dim_date"][1].startswith("0 rows")
    assert findings["rows|silver.quarantine_orders"][1] == "0 rows (allowed empty)"
    assert findings["rows|gold.fct_sales"][1] == "2 rows"
    detail = findings["columns|silver.dim_customer"][1]
    assert "missing columns: segment" in detail
    assert "email: declared string, deployed DOUBLE" in detail
    assert "customer_id" not in detail  # bigint = BIGINT
    assert (
        "fct_sales_old" in findings["dashboard query|sales.lvdash.json: Broken: table renamed"][1]
    )
    assert "4 of 16 deployment checks failed" in result.output


def test_all_good_exits_zero_and_says_when_there_are_no_dashboards(local):
    with duckdb.connect(str(local / "warehouse.duckdb")) as duck:
        duck.execute("insert into gold.dim_date values (date '2026-01-01')")
        duck.execute("drop table silver.dim_customer")
        duck.execute(
            "create table silver.dim_customer (customer_id bigint, email varchar, segment varchar)"
        )
        duck.execute("insert into silver.dim_customer values (1, 'a@example.com', 'b2b')")
        duck.execute("create table silver.dim_product (product_id bigint)")
        duck.execute("insert into silver.dim_product values (1)")
    shutil.rmtree(local / "resources")
    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--json"])
    assert result.exit_code == 0, result.output
    findings = _findings(result.output)
    assert findings["dashboard query|resources/dashboards"][0] == "skip"
    assert all(status in ("pass", "skip") for status, _ in findings.values())


def test_dashboard_parameters_take_their_defaults(tmp_path):
    (tmp_path / "resources/dashboards").mkdir(parents=True)
    shutil.copy(FIXTURE, tmp_path / "resources/dashboards/sales.lvdash.json")
    queries = dashboard_queries(tmp_path)
    first = queries[0]
    assert "country = 'DE'" in first.sql
    assert "BETWEEN '2026-01-01' AND '2026-12-31'" in first.sql
    assert "revenue::double" in queries[1].sql  # a cast is not a parameter
    sqlglot.parse_one(first.sql, dialect="databricks")


def test_an_undeclared_parameter_names_the_file_and_dataset(tmp_path):
    folder = tmp_path / "resources/dashboards"
    folder.mkdir(parents=True)
    (folder / "x.lvdash.json").write_text(
        json.dumps(
            {"datasets": [{"name": "d", "displayName": "Orders", "query": "select :region"}]}
        )
    )
    with pytest.raises(ConfigError, match=r"x.lvdash.json dataset 'Orders': query uses :region"):
        dashboard_queries(tmp_path)


def test_wrong_target_or_manifest_is_explained(local):
    runner = CliRunner()
    unknown = runner.invoke(main, ["ops", "validate-deployment", "--target", "qa"])
    assert unknown.exit_code == 2
    assert "Target 'qa' is not in profile" in unknown.output and "local, prod" in unknown.output
    mismatch = runner.invoke(main, ["ops", "validate-deployment", "--target", "prod"])
    assert mismatch.exit_code == 2
    assert "compiled for duckdb, target 'prod' runs on databricks" in mismatch.output


def test_databricks_path(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    write_manifest(
        root / "target/manifest.json", "databricks", _nodes("databricks", "lakehouse_bi_prod")
    )
    (root / "resources/dashboards").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "resources/dashboards/sales.lvdash.json")
    for name, value in DATABRICKS_ENV.items():
        monkeypatch.setenv(name, value)
    duck = duckdb.connect()
    duck.execute("attach ':memory:' as lakehouse_bi_prod")
    _build(duck, "lakehouse_bi_prod.")
    duck.execute("insert into lakehouse_bi_prod.silver.dim_customer values (1, 0.5)")
    fake = FakeConnection(duck)

    def information_schema(sql: str):
        # Unity Catalog has <catalog>.information_schema; DuckDB filters by table_catalog.
        match = re.search(r"`(\w+)`\.information_schema\.columns", sql)
        local_sql = sql.replace(
            match.group(0),
            f"(select *, data_type as full_data_type from information_schema.columns "
            f"where table_catalog = '{match.group(1)}')",
        )
        result = duck.execute(sqlglot.transpile(local_sql, read="databricks", write="duckdb")[0])
        return [c[0] for c in result.description], result.fetchall()

    fake.answer(r"information_schema\.columns", information_schema)
    duck.execute("use lakehouse_bi_prod")
    monkeypatch.setattr("databricks.sql.connect", fake.connect)

    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--target", "prod", "--json"])
    assert result.exit_code == 5, result.output
    findings = _findings(result.output)
    assert {key: status for key, (status, _) in findings.items()} == EXPECTED
    # Databricks spells the types its own way; declared bigint still equals deployed BIGINT.
    assert "email: declared string, deployed DOUBLE" in findings["columns|silver.dim_customer"][1]
    assert fake.statements[0].startswith(
        "select table_schema, table_name, column_name, full_data_type from "
        "`lakehouse_bi_prod`.information_schema.columns"
    )
    dashboard_sql = [s for s in fake.statements if "date_trunc" in s.lower()]
    assert "gold.fct_sales" in dashboard_sql[0]  # the dataset's schema qualifies the table
    for statement in fake.statements:
        sqlfluff.parse(statement, dialect="databricks")
    assert fake.closed


def test_snapshots_are_checked_like_models(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        duck.execute("create schema silver")
        duck.execute("create table silver.snap_customers (customer_id bigint, dbt_valid_from date)")
    unique_id, node = model_node("snap_customers", "silver", {"dbt_valid_to": None})
    node["resource_type"] = "snapshot"
    del node["config"]["materialized"]
    write_manifest(root / "target/manifest.json", "duckdb", [(unique_id, node)])
    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--json"])
    findings = _findings(result.output)
    assert findings["exists|silver.snap_customers"] == ("pass", "snapshot")
    assert findings["columns|silver.snap_customers"] == ("fail", "missing columns: dbt_valid_to")
    assert findings["rows|silver.snap_customers"][0] == "fail"


def test_a_broken_view_is_a_finding_not_a_crash(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        duck.execute("create schema gold; create table gold.base (x int)")
        duck.execute("create view gold.v as select x from gold.base")
        duck.execute("drop table gold.base")  # the view is left pointing at nothing
        duck.execute("create table gold.base (y int)")
    write_manifest(
        root / "target/manifest.json",
        "duckdb",
        [model_node("v", "gold", {}, materialized="view"), model_node("base", "gold", {"y": None})],
    )
    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--json"])
    findings = _findings(result.output)
    assert result.exit_code == 5
    status, detail = findings["rows|gold.v"]
    assert status == "fail" and detail.startswith("query failed:")
    assert findings["rows|gold.base"][0] == "fail"  # empty, not allowed


# --- issue 24: manifest values (some from --vars) reach SQL quoted, or not at all ------------


def _prod_fake(root: Path, monkeypatch, nodes) -> FakeConnection:
    write_manifest(root / "target/manifest.json", "databricks", nodes)
    for name, value in DATABRICKS_ENV.items():
        monkeypatch.setenv(name, value)
    fake = FakeConnection()
    fake.answer(r"information_schema\.columns", (["s", "t", "c", "d"], []))
    monkeypatch.setattr("databricks.sql.connect", fake.connect)
    return fake


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("relation_name", "`c`.`gold`.`fct_sales`; DROP TABLE `c`.`gold`.`x`", "relation_name"),
        ("relation_name", "`c`.`gold`.`fct_sales` --", "relation_name"),
        ("schema", "gold\nDROP TABLE x", "schema"),
        ("database", "c\r", "database"),
    ],
)
def test_a_manifest_value_carrying_sql_runs_nothing(tmp_path, monkeypatch, key, value, named):
    root = make_project(tmp_path / "project", monkeypatch)
    unique_id, node = model_node("fct_sales", "gold", {}, engine="databricks", database="c")
    node[key] = value
    fake = _prod_fake(root, monkeypatch, [(unique_id, node)])
    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--target", "prod"])
    assert result.exit_code == ConfigError.exit_code, result.output
    assert f"model fct_sales in {root / 'target/manifest.json'}: {named}" in result.output
    assert fake.statements == []


def test_catalog_and_schema_are_quoted_and_escaped(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    unique_id, node = model_node("fct_sales", "gold", {}, engine="databricks")
    node["database"] = "c`.information_schema.columns; DROP TABLE x; --"
    node["schema"] = "gold' or '1'='1\\"
    node["relation_name"] = "`c``.information_schema.columns; DROP TABLE x; --`.`gold`.`fct_sales`"
    (root / "resources").mkdir()
    fake = _prod_fake(root, monkeypatch, [(unique_id, node)])
    result = CliRunner().invoke(main, ["ops", "validate-deployment", "--target", "prod", "--json"])
    assert result.exit_code == 5, result.output  # nothing deployed: a finding, not an injection
    columns_query = fake.statements[0]
    assert "`c``.information_schema.columns; DROP TABLE x; --`.information_schema" in columns_query
    (tree,) = sqlglot.parse(columns_query, read="databricks")  # one statement
    (literal,) = [v for v in tree.find_all(sqlglot.exp.Literal) if v.is_string]
    assert literal.this == node["schema"]  # one literal holding the whole value
    assert "'gold\\' or \\'1\\'=\\'1\\\\'" in columns_query  # backslash-escaped


def test_a_numeric_dashboard_parameter_must_be_a_number(tmp_path):
    folder = tmp_path / "resources/dashboards"
    folder.mkdir(parents=True)
    parameter = {
        "keyword": "n",
        "dataType": "INTEGER",
        "defaultSelection": {"values": {"values": [{"value": "1; DROP TABLE x"}]}},
    }
    (folder / "x.lvdash.json").write_text(
        json.dumps({"datasets": [{"name": "d", "query": "select :n", "parameters": [parameter]}]})
    )
    with pytest.raises(ConfigError, match=r"parameter 'n' default '1; DROP TABLE x' is not a"):
        dashboard_queries(tmp_path)
