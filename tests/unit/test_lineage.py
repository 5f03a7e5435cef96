"""Column lineage from compiled SQL and the model diagram, on a small hand-made manifest."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.lineage.columns import column_lineage
from lakehouse_bi.lineage.diagram import mermaid_model_lineage
from lakehouse_bi.lineage.project_graph import ProjectGraph, _snapshot_meta_columns

ORDERS_COMPILED = """
with landed as (
    select "order_id", "amount", "country", filename as _source_file
    from read_json('/landing/orders/batch=*/*.jsonl', columns = {'order_id': 'VARCHAR'})
)
select landed.*, current_timestamp as _ingested_at from landed
"""
STG_COMPILED = """
select
    cast(order_id as bigint) as order_id,
    cast(amount as decimal(18, 2)) as amount,
    upper(country) as country_code
from "wh"."bronze"."bronze_orders"
"""
MART_COMPILED = """
with orders as (select * from "wh"."silver"."stg_orders")
select
    orders.country_code,
    countries.region,
    sum(orders.amount) as revenue,
    count(distinct orders.order_id) as orders
from orders
left join "wh"."reference"."countries" as countries
    on orders.country_code = countries.country_code
group by 1, 2
"""


def _node(resource_type, name, schema, depends_on=(), compiled=None, package="shop", **extra):
    return {
        "resource_type": resource_type,
        "package_name": package,
        "name": name,
        "alias": name,
        "database": "wh",
        "schema": schema,
        "depends_on": {"nodes": list(depends_on)},
        "compiled_code": compiled,
        **extra,
    }


def _write_manifest(tmp_path, *, compiled: bool = True):
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "countries.csv").write_text("country_code,country_name,region\nFR,France,EMEA\n")
    sql = (lambda text: text) if compiled else (lambda text: None)
    manifest = {
        "metadata": {"adapter_type": "duckdb", "project_name": "shop"},
        "sources": {
            "source.shop.landing.orders": {
                **_node("source", "orders", "landing"),
                "identifier": "orders",
                "columns": {"order_id": {}, "amount": {}, "country": {}},
            }
        },
        "nodes": {
            "model.shop.bronze_orders": _node(
                "model", "bronze_orders", "bronze", ["source.shop.landing.orders"],
                sql(ORDERS_COMPILED),
            ),
            "model.shop.stg_orders": _node(
                "model", "stg_orders", "silver", ["model.shop.bronze_orders"], sql(STG_COMPILED)
            ),
            "seed.shop.countries": _node(
                "seed", "countries", "reference",
                root_path=str(tmp_path), original_file_path="seeds/countries.csv",
            ),
            "model.shop.sales": _node(
                "model", "sales", "gold", ["model.shop.stg_orders", "seed.shop.countries"],
                sql(MART_COMPILED),
            ),
            "test.shop.not_null": _node("test", "not_null", "gold", ["model.shop.sales"]),
        },
    }  # fmt: skip
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_edges_one_hop_and_transitive(tmp_path):
    lineage = column_lineage(ProjectGraph.load(_write_manifest(tmp_path)))
    edges = {(source.label, target.label) for source, target in lineage.edges()}
    assert ("silver.stg_orders.amount", "gold.sales.revenue") in edges
    assert ("silver.stg_orders.order_id", "gold.sales.orders") in edges
    assert ("reference.countries.region", "gold.sales.region") in edges
    assert ("bronze.bronze_orders.country", "silver.stg_orders.country_code") in edges
    # The table function bronze reads is the model's landing source.
    assert ("landing.orders.amount", "bronze.bronze_orders.amount") in edges
    # Generated columns have no upstream column.
    assert not [e for e in edges if e[1] == "bronze.bronze_orders._ingested_at"]
    assert lineage.upstream("gold.sales.revenue") == {
        "silver.stg_orders.amount",
        "bronze.bronze_orders.amount",
        "landing.orders.amount",
    }
    assert lineage.unparsed == {}


def test_catalog_columns_take_precedence(tmp_path):
    manifest = _write_manifest(tmp_path)
    catalog = tmp_path / "catalog.json"
    # The warehouse says bronze has one more column than its SQL shows: catalog wins.
    catalog.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.shop.bronze_orders": {
                        "columns": {name: {"type": "VARCHAR"} for name in
                                    ("order_id", "amount", "country", "_source_file", "note")}
                    }
                },
                "sources": {},
            }
        )
    )  # fmt: skip
    graph = ProjectGraph.load(manifest, catalog)
    assert "note" in graph.nodes["model.shop.bronze_orders"].columns
    assert "_ingested_at" not in graph.nodes["model.shop.bronze_orders"].columns
    assert list(graph.nodes["seed.shop.countries"].columns) == [
        "country_code", "country_name", "region",
    ]  # fmt: skip


def test_manifest_without_compiled_sql_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no compiled SQL"):
        column_lineage(ProjectGraph.load(_write_manifest(tmp_path, compiled=False)))


def test_mermaid_diagram_groups_by_layer(tmp_path):
    picture = mermaid_model_lineage(ProjectGraph.load(_write_manifest(tmp_path)))
    assert picture.splitlines()[2:4] == ["```mermaid", "flowchart LR"]
    titles = [line.split('"')[1] for line in picture.splitlines() if "subgraph" in line]
    assert titles == ["source: landing", "seeds", "bronze", "silver", "gold"]
    assert 'source_shop_landing_orders[("orders")]' in picture
    assert "source_shop_landing_orders --> model_shop_bronze_orders" in picture
    assert "seed_shop_countries --> model_shop_sales" in picture
    assert "not_null" not in picture
    assert picture == mermaid_model_lineage(ProjectGraph.load(_write_manifest(tmp_path)))


def test_command_writes_json_and_diagram(tmp_path):
    manifest = _write_manifest(tmp_path)
    output, diagram = tmp_path / "out" / "lineage.json", tmp_path / "docs" / "lineage.md"
    result = CliRunner().invoke(
        main,
        ["lineage", "--manifest", str(manifest), "--output", str(output),
         "--diagram", str(diagram), "--column", "gold.sales.orders"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    exported = json.loads(output.read_text())
    assert exported["models"]["model.shop.sales"]["columns"]["revenue"] == [
        {"unique_id": "model.shop.stg_orders", "relation": "silver.stg_orders", "column": "amount"}
    ]
    assert {"from": "silver.stg_orders.amount", "to": "gold.sales.revenue"} in exported["edges"]
    assert diagram.read_text().startswith("<!-- Generated by `lakehouse-bi lineage")
    assert result.stdout.strip() == (
        "gold.sales.orders <- bronze.bronze_orders.order_id, landing.orders.order_id, "
        "silver.stg_orders.order_id"
    )


def test_snapshot_meta_columns_follow_the_config():
    renamed = {"dbt_scd_id": "customer_sk", "dbt_valid_to": None, "dbt_is_deleted": "is_deleted"}
    config = {"snapshot_meta_column_names": renamed, "hard_deletes": "new_record"}
    assert _snapshot_meta_columns(config) == [
        "customer_sk", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "is_deleted",
    ]  # fmt: skip
    assert "dbt_is_deleted" not in _snapshot_meta_columns({"hard_deletes": "ignore"})


def test_a_run_that_read_no_files_still_traces_to_the_source(tmp_path):
    """An incremental bronze run with no new files compiles to typed nulls, no file read."""
    manifest_path = _write_manifest(tmp_path)
    manifest = json.loads(manifest_path.read_text())
    manifest["nodes"]["model.shop.bronze_orders"]["compiled_code"] = (
        "select cast(null as varchar) as order_id, cast(null as varchar) as amount, "
        "cast(null as varchar) as country, now() as _ingested_at where false"
    )
    manifest_path.write_text(json.dumps(manifest))
    lineage = column_lineage(ProjectGraph.load(manifest_path))
    bronze = lineage.models["model.shop.bronze_orders"]
    assert [ref.label for ref in bronze["amount"]] == ["landing.orders.amount"]
    assert bronze["_ingested_at"] == []
