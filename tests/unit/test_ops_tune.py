"""`lakehouse-bi ops tune`: statistics -> recommendations, with the documented thresholds,
from DESCRIBE DETAIL (fake Databricks connection) and from DuckDB's own storage info."""

from __future__ import annotations

import json

import duckdb
import pytest
import sqlfluff
import sqlglot
from click.testing import CliRunner
from ops_support import DATABRICKS_ENV, FakeConnection, make_project, model_node, write_manifest

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops import tune
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import Warehouse

MB = 1024 * 1024
DETAIL_COLUMNS = [
    "format",
    "name",
    "numFiles",
    "sizeInBytes",
    "clusteringColumns",
    "partitionColumns",
    "properties",
]
DETAILS = {
    # declared (order_date, customer_id) but deployed unclustered: drift
    "fct_sales": (40, 4000 * MB, [], [], {}),
    # 2 GB, nothing declared, no clustering: suggest keys from its filter columns
    "fct_web_event": (16, 2048 * MB, [], [], {}),
    # 400 files of 1 MB, no optimizeWrite/autoCompact: compact + properties
    "fct_order_line": (400, 400 * MB, [], [], {"delta.autoOptimize.autoCompact": "true"}),
    # clustered as declared, files large enough: nothing to do
    "dim_customer": (4, 512 * MB, ["country"], [], {}),
}


def _databricks_nodes():
    kw = {"engine": "databricks", "database": "prod"}
    return [
        model_node(
            "fct_sales",
            "gold",
            {"order_date": None},
            config={"liquid_clustered_by": ["order_date", "customer_id"]},
            **kw,
        ),
        model_node(
            "fct_web_event",
            "silver",
            {"event_id": None, "event_date": None, "country": None},
            materialized="incremental",
            **kw,
        ),
        model_node("fct_order_line", "silver", {"order_line_id": None}, **kw),
        model_node(
            "dim_customer",
            "silver",
            {"customer_id": None},
            config={"liquid_clustered_by": "country"},
            **kw,
        ),
        model_node("stg_orders", "silver", {}, materialized="view", **kw),  # views are not tuned
    ]


def _describe_detail(sql: str):
    name = sql.rsplit(".", 1)[1].strip("`")
    files, size, clustering, partitions, properties = DETAILS[name]
    return DETAIL_COLUMNS, [("delta", name, files, size, clustering, partitions, properties)]


def test_databricks_recommendations(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    write_manifest(root / "target/manifest.json", "databricks", _databricks_nodes())
    for name, value in DATABRICKS_ENV.items():
        monkeypatch.setenv(name, value)
    fake = FakeConnection()
    fake.answer(r"^DESCRIBE DETAIL ", _describe_detail)
    monkeypatch.setattr("databricks.sql.connect", fake.connect)

    result = CliRunner().invoke(main, ["ops", "tune", "--target", "prod", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    advice = {
        (a["table"].split(".")[-1].strip("`"), a["action"]): a for a in data["recommendations"]
    }
    assert set(advice) == {
        ("fct_sales", "CLUSTER BY"),
        ("fct_web_event", "CLUSTER BY"),
        ("fct_order_line", "OPTIMIZE"),
        ("fct_order_line", "SET TBLPROPERTIES"),
        ("dim_customer", "none"),
    }
    assert advice[("fct_sales", "CLUSTER BY")]["sql"].endswith(
        "CLUSTER BY (`order_date`, `customer_id`); OPTIMIZE `prod`.`gold`.`fct_sales`"
    )
    assert "CLUSTER BY (`event_date`, `country`)" in advice[("fct_web_event", "CLUSTER BY")]["sql"]
    assert "400 files averaging 1.0 MB" in advice[("fct_order_line", "OPTIMIZE")]["reason"]
    properties = advice[("fct_order_line", "SET TBLPROPERTIES")]["sql"]
    assert "'delta.autoOptimize.optimizeWrite' = 'true'" in properties
    assert "autoCompact" not in properties  # already set
    assert len(fake.statements) == 4  # one DESCRIBE DETAIL per table model, none for the view
    for statement in fake.statements + [a["sql"] for a in data["recommendations"] if a["sql"]]:
        for part in statement.split("; "):
            sqlfluff.parse(part, dialect="databricks")


def test_thresholds_are_boundaries():
    def stats(files: int, size: int) -> tune.TableStats:
        return tune.TableStats("t", "t", size, files, None, columns=["order_date"])

    just_below = tune.recommend_databricks([stats(tune.MIN_FILES_FOR_COMPACTION - 1, 10 * MB)])
    assert [a.action for a in just_below] == ["none"]
    at = tune.recommend_databricks([stats(tune.MIN_FILES_FOR_COMPACTION, 10 * MB)])
    assert "OPTIMIZE" in [a.action for a in at]
    clustered = stats(100, 100 * tune.SMALL_FILE_BYTES)  # files of exactly 32 MB
    clustered.clustering = ["order_date"]
    assert [a.action for a in tune.recommend_databricks([clustered])] == ["none"]
    large = tune.recommend_databricks([stats(10, tune.CLUSTER_MIN_BYTES)])
    assert [a.action for a in large] == ["CLUSTER BY"]
    assert large[0].sql.startswith("ALTER TABLE `t` CLUSTER BY (`order_date`)")
    no_keys = tune.recommend_databricks(
        [tune.TableStats("t", "t", tune.CLUSTER_MIN_BYTES, 10, None)]
    )
    assert "CLUSTER BY AUTO" in no_keys[0].sql


def test_duckdb_statistics_and_ordering_advice(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    rows_per_group = 122_880
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        duck.execute("create schema silver; create schema gold")
        duck.execute(
            "create table silver.fct_web_event as select range as event_id, "
            "date '2026-01-01' + cast(range % 365 as integer) as event_date "
            f"from range({rows_per_group * 9 + 5})"
        )
        duck.execute("create table gold.dim_date as select range as d from range(100)")
    write_manifest(
        root / "target/manifest.json",
        "duckdb",
        [
            model_node("fct_web_event", "silver", {}, materialized="incremental"),
            model_node("dim_date", "gold", {}),
            model_node("not_built", "gold", {}),
        ],
    )
    result = CliRunner().invoke(main, ["ops", "tune", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    stats = {s["model"]: s for s in data["statistics"]}
    assert set(stats) == {"fct_web_event", "dim_date"}
    assert stats["fct_web_event"]["rows"] == rows_per_group * 9 + 5
    assert stats["fct_web_event"]["files"] == 10  # row groups of 122,880 rows
    assert stats["dim_date"]["files"] == 1
    assert stats["fct_web_event"]["size_bytes"] > stats["dim_date"]["size_bytes"] > 0
    advice = {a["table"]: a for a in data["recommendations"]}
    assert advice['"warehouse"."silver"."fct_web_event"']["action"] == "ORDER BY"
    assert "event_date" in advice['"warehouse"."silver"."fct_web_event"']["sql"]
    assert advice['"warehouse"."gold"."dim_date"']["action"] == "none"


# --- issue 24: manifest values (some from --vars) reach SQL quoted, or not at all ------------


def _prod(tmp_path, monkeypatch, nodes) -> FakeConnection:
    root = make_project(tmp_path / "project", monkeypatch)
    write_manifest(root / "target/manifest.json", "databricks", nodes)
    for name, value in DATABRICKS_ENV.items():
        monkeypatch.setenv(name, value)
    fake = FakeConnection()
    fake.answer(r"^DESCRIBE DETAIL ", _describe_detail)
    monkeypatch.setattr("databricks.sql.connect", fake.connect)
    return fake


def test_a_relation_name_carrying_sql_runs_nothing(tmp_path, monkeypatch):
    nodes = _databricks_nodes()
    nodes[0][1]["relation_name"] = "`prod`.`gold`.`fct_sales`; DROP TABLE `prod`.`gold`.`x`"
    fake = _prod(tmp_path, monkeypatch, nodes)
    result = CliRunner().invoke(main, ["ops", "tune", "--target", "prod"])
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "relation_name of model fct_sales" in result.output
    assert fake.statements == []


def test_a_clustering_key_carrying_sql_is_printed_as_one_quoted_name(tmp_path, monkeypatch):
    key = "order_date); DROP TABLE `prod`.`gold`.`x`; --"
    nodes = _databricks_nodes()
    nodes[0][1]["config"]["liquid_clustered_by"] = [key]
    _prod(tmp_path, monkeypatch, nodes)
    result = CliRunner().invoke(main, ["ops", "tune", "--target", "prod", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    (advice,) = [
        a for a in data["recommendations"] if a["action"] == "CLUSTER BY" and "sales" in a["table"]
    ]
    alter, optimize = sqlglot.parse(advice["sql"], read="databricks")  # two statements, no third
    assert "DROP" not in optimize.sql().upper()
    assert [c.name for c in alter.find_all(sqlglot.exp.Column)] == [key]


def test_duckdb_names_with_quotes_are_literals_and_control_characters_refused(
    tmp_path, monkeypatch
):
    root = make_project(tmp_path / "project", monkeypatch)
    with duckdb.connect(str(root / "warehouse.duckdb")) as duck:
        duck.execute("""create schema "o'hara"; create table "o'hara"."t" as select 1 as a""")
    _, node = model_node("t", "o'hara", {})
    write_manifest(root / "target/manifest.json", "duckdb", [("model.lakehouse_bi.t", node)])
    result = CliRunner().invoke(main, ["ops", "tune", "--json"])
    assert result.exit_code == 0, result.output
    assert '"rows": 1' in result.output  # found by the escaped literals, not a syntax error

    node["alias"] = "t'\nor 1=1"
    path = write_manifest(tmp_path / "m.json", "duckdb", [("model.lakehouse_bi.t", node)])
    fake = FakeConnection()
    with pytest.raises(ConfigError, match="alias of model t"):
        tune.duckdb_stats(Warehouse(fake, "duckdb"), Manifest.load(path))
    assert fake.statements == []
