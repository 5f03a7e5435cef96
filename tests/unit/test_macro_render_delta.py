"""packages/lakehouse/macros/delta/: maintenance decisions, OPTIMIZE / VACUUM / REORG statements
per engine, and the VACUUM retention floor (168 hours) wherever hours reach a VACUUM."""

from __future__ import annotations

import pytest
from macro_render import CompilationError, MacroHarness


def node(name, layer=None, resource_type="model", **config):
    fqn = ["lakehouse_bi", layer, name] if layer else ["lakehouse_bi", name]
    return {
        "unique_id": f"{resource_type}.lakehouse_bi.{name}",
        "name": name,
        "alias": name,
        "package_name": "lakehouse_bi",
        "resource_type": resource_type,
        "fqn": fqn,
        "database": "lakehouse_bi_prod",
        "schema": layer or "reference",
        "config": {"materialized": "table", **config},
    }


INGESTED = {"retention_column": "_ingested_at"}


def graph(*nodes):
    return {"nodes": {n["unique_id"]: n for n in nodes}, "sources": {}}


# -- check_vacuum_retain_hours / vacuum_table --------------------------------------------------
@pytest.mark.parametrize("hours", [168, "168", 336, " 720 "])
def test_retain_hours_at_or_above_168_pass(hours):
    assert MacroHarness("databricks").call("check_vacuum_retain_hours", "t", hours, "s") == int(
        hours
    )


@pytest.mark.parametrize("hours", [167, 0, -200, "168.5", 168.5, "abc", None, "1e3"])
def test_retain_hours_below_168_or_not_whole_are_refused(hours):
    with pytest.raises(CompilationError, match=r"VACUUM of t refused: RETAIN .* \(from my\.set"):
        MacroHarness("duckdb").call("check_vacuum_retain_hours", "t", hours, "my.setting")


def test_databricks_vacuum_statement_runs_and_is_returned():
    harness = MacroHarness("databricks")
    relation = harness.relation("fct_sales", "gold")
    statement = harness.call("vacuum_table", relation, 720, "vars.retention_policy.gold")
    assert statement == "vacuum `lakehouse_bi_dev`.`gold`.`fct_sales` retain 720 hours"
    assert harness.queries == [statement]
    assert harness.logs == ["Delta maintenance: " + statement]


def test_duckdb_vacuum_is_a_logged_noop():
    harness = MacroHarness("duckdb")
    assert harness.call("vacuum_table", harness.relation("t"), 336, "s") is None
    assert harness.queries == []
    assert harness.logs == [
        'Delta maintenance: VACUUM "lakehouse_bi"."main"."t" RETAIN 336 HOURS skipped: duckdb '
        "has no Delta VACUUM (no-op)."
    ]


@pytest.mark.parametrize("engine", ["duckdb", "databricks"])
def test_vacuum_below_168_runs_nothing(engine):
    harness = MacroHarness(engine)
    with pytest.raises(CompilationError, match="RETAIN 100 HOURS"):
        harness.call("vacuum_table", harness.relation("t"), 100, "s")
    assert harness.queries == [] and harness.logs == []


@pytest.mark.parametrize(
    ("macro", "statement"),
    [
        ("optimize_table", "optimize `lakehouse_bi_dev`.`main`.`t`"),
        ("purge_deleted_rows", "reorg table `lakehouse_bi_dev`.`main`.`t` apply (purge)"),
    ],
)
def test_optimize_and_purge_per_engine(macro, statement):
    bricks = MacroHarness("databricks")
    assert bricks.call(macro, bricks.relation("t")) == statement
    assert bricks.queries == [statement]
    duck = MacroHarness("duckdb")
    assert duck.call(macro, duck.relation("t")) is None
    assert duck.queries == []


@pytest.mark.parametrize(("enabled", "word"), [(True, "enable"), (False, "disable")])
def test_schema_predictive_optimization_per_engine(enabled, word):
    bricks = MacroHarness("databricks")
    statement = bricks.call("set_schema_predictive_optimization", "cat", "gold", enabled)
    assert statement == f"alter schema `cat`.`gold` {word} predictive optimization"
    assert bricks.queries == [statement]
    duck = MacroHarness("duckdb")
    assert duck.call("set_schema_predictive_optimization", "cat", "gold", enabled) is None
    assert duck.queries == [] and "not applicable to duckdb" in duck.logs[0]


def test_broadcast_hint_per_engine():
    assert MacroHarness("databricks").call("broadcast_hint", "d") == " /*+ BROADCAST(d) */"
    assert MacroHarness("databricks").call("broadcast_hint", ["a", "b"]) == (
        " /*+ BROADCAST(a, b) */"
    )
    assert MacroHarness("duckdb").call("broadcast_hint", ["a", "b"]) == ""


# -- retention_policy_for / delta_maintenance_decision -----------------------------------------
@pytest.mark.parametrize(
    ("the_node", "hours", "days", "column"),
    [
        (node("bronze_orders", "bronze", meta=INGESTED), 168, 90, "_ingested_at"),
        (node("fct_order", "silver", meta=INGESTED), 336, 730, "_ingested_at"),
        # Exempt wins over the column its folder gives it.
        (
            node("dim_customer", "silver", meta={**INGESTED, "retention_exempt": "SCD2"}),
            336,
            None,
            None,
        ),
        (
            node("fct_sales", "gold", meta={"retention_column": "order_date"}),
            720,
            1095,
            "order_date",
        ),
        # No meta.retention_column: the table keeps its rows.
        (node("fct_order", "silver"), 336, None, None),
        (node("snap_customers", resource_type="snapshot"), 336, None, None),
        (node("countries", resource_type="seed"), 168, None, None),
    ],
)
def test_retention_policy_per_layer_from_project_vars(the_node, hours, days, column):
    policy = MacroHarness("databricks").call("retention_policy_for", the_node)
    assert (policy["vacuum_retain_hours"], policy["retention_days"], policy["column"]) == (
        hours,
        days,
        column,
    )


def test_managed_table_under_predictive_optimization_gets_no_maintenance():
    harness = MacroHarness("databricks", target_name="prod")
    decision = harness.call("delta_maintenance_decision", node("fct_sales", "gold"))
    assert decision["predictive_optimization"] is True
    assert (decision["optimize"], decision["vacuum_retain_hours"]) == ("none", None)


def test_external_table_is_maintained_even_under_predictive_optimization():
    harness = MacroHarness("databricks", target_name="prod")
    the_node = node("bronze_orders", "bronze", location_root="s3://x/bronze")
    decision = harness.call("delta_maintenance_decision", the_node)
    assert decision["table_type"] == "external"
    assert (decision["optimize"], decision["vacuum_retain_hours"]) == ("maintenance", 168)
    assert decision["setting"] == "vars.retention_policy.bronze.vacuum_retain_hours"


@pytest.mark.parametrize(
    ("config", "vars", "clustering", "optimize"),
    [
        (
            {"liquid_clustered_by": ["order_date", "customer_id"]},
            {},
            "(order_date, customer_id)",
            "after_build",
        ),
        ({"liquid_clustered_by": "order_date"}, {}, "(order_date)", "after_build"),
        ({"auto_liquid_cluster": True}, {}, "auto", "after_build"),
        ({"zorder": ["a", "b"]}, {}, "zorder (a, b)", "after_build"),
        ({"liquid_clustered_by": "d", "skip_optimize": True}, {}, "(d)", "maintenance"),
        ({"liquid_clustered_by": "d"}, {"databricks_skip_optimize": "TRUE"}, "(d)", "maintenance"),
        ({}, {}, None, "maintenance"),
    ],
)
def test_optimize_decision_without_predictive_optimization(config, vars, clustering, optimize):
    harness = MacroHarness("databricks", target_name="dev", vars=vars)
    decision = harness.call("delta_maintenance_decision", node("fct_sales", "gold", **config))
    assert decision["predictive_optimization"] is False
    assert (decision["clustering"], decision["optimize"]) == (clustering, optimize)
    assert decision["vacuum_retain_hours"] == 720


def test_predictive_optimization_var_must_be_a_mapping():
    harness = MacroHarness("databricks", vars={"predictive_optimization": True})
    with pytest.raises(CompilationError, match="must map target names to true/false"):
        harness.call("predictive_optimization_enabled")


# -- run_table_maintenance / apply_retention_policy: the floor before anything runs ------------
def test_run_table_maintenance_refuses_a_layer_below_168_before_any_statement():
    policy = {"silver": {"vacuum_retain_hours": 24}}
    harness = MacroHarness(
        "databricks",
        target_name="dev",
        vars={"retention_policy": policy},
        graph=graph(node("fct_sales", "gold"), node("fct_order", "silver")),
    )
    with pytest.raises(
        CompilationError,
        match=r"RETAIN 24 HOURS \(from vars\.retention_policy"
        r"\.silver\.vacuum_retain_hours\)",
    ):
        harness.call("run_table_maintenance")
    assert harness.queries == []


def test_run_table_maintenance_on_databricks_dev():
    nodes = [
        node("fct_sales", "gold", liquid_clustered_by="order_date"),
        node("fct_order", "silver"),
        node("stg_x", "silver", materialized="view"),
    ]
    harness = MacroHarness("databricks", target_name="dev", graph=graph(*nodes))
    for the_node in nodes:
        harness.relations[the_node["name"]] = harness.relation(the_node["name"])
    assert harness.call("run_table_maintenance") == ""
    assert harness.queries == [
        "alter schema `lakehouse_bi_prod`.`gold` disable predictive optimization",
        "alter schema `lakehouse_bi_prod`.`silver` disable predictive optimization",
        # nodes in unique_id order; the clustered table is OPTIMIZEd by the adapter's build
        "optimize `lakehouse_bi_prod`.`silver`.`fct_order`",
        "vacuum `lakehouse_bi_prod`.`silver`.`fct_order` retain 336 hours",
        "vacuum `lakehouse_bi_prod`.`gold`.`fct_sales` retain 720 hours",
    ]
    assert (
        "maintenance `lakehouse_bi_prod`.`gold`.`fct_sales`: managed, predictive optimization "
        "off, clustering (order_date), optimize after_build, vacuum retain 720 hours"
    ) in harness.logs


def test_run_table_maintenance_dry_run_logs_only():
    harness = MacroHarness("databricks", target_name="prod", graph=graph(node("fct_sales", "gold")))
    harness.call("run_table_maintenance", dry_run=True)
    assert harness.queries == []
    assert harness.logs == [
        "maintenance `lakehouse_bi_prod`.`gold`.`fct_sales`: managed, predictive optimization "
        "on, clustering none, optimize none, vacuum none (dry run)"
    ]


def test_apply_retention_policy_refuses_vacuum_below_168_before_deleting():
    policy = {"gold": {"retention_days": 30, "vacuum_retain_hours": 100}}
    harness = MacroHarness(
        "databricks",
        target_name="dev",
        vars={"retention_policy": policy},
        graph=graph(node("fct_sales", "gold", meta={"retention_column": "order_date"})),
    )
    harness.relations["fct_sales"] = harness.relation("fct_sales")
    with pytest.raises(CompilationError, match="RETAIN 100 HOURS"):
        harness.call("apply_retention_policy", as_of="2026-01-31")
    assert harness.queries == []


def test_apply_retention_policy_deletes_purges_and_vacuums_on_databricks():
    sales = node("fct_sales", "gold", meta={"retention_column": "order_date"})
    harness = MacroHarness("databricks", target_name="dev", graph=graph(sales))
    harness.relations["fct_sales"] = harness.relation("fct_sales")
    harness.on_query(r"^select count\(\*\)", [(3,)], ["expired_rows"])
    harness.call("apply_retention_policy", as_of="2026-01-31", tables=["fct_sales"])
    table = "`lakehouse_bi_prod`.`gold`.`fct_sales`"
    cut = "`order_date` < cast('2023-02-01' as date)"  # 1095 days before 2026-01-31
    assert harness.queries == [
        f"select count(*) as expired_rows from {table} where {cut}",
        f"delete from {table} where {cut}",
        f"reorg table {table} apply (purge)",
        f"vacuum {table} retain 720 hours",
    ]
    assert ("commit",) in harness.adapter_calls
