"""The entity registry (docs/LANDING.md, "Adding an entity"): the landing sources' meta read by
Python (lakehouse_bi.entity_registry) and by the macros (landing_entities and the macros
built on it), which must agree; every bad entry fails naming the file, the table and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from macro_render import CompilationError, MacroHarness

from lakehouse_bi.entity_registry import REGISTRY_FILE, load_registry
from lakehouse_bi.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]


def _registry_yaml(project: Path = PROJECT) -> dict:
    return yaml.safe_load((project / REGISTRY_FILE).read_text())


def _landing_tables(document: dict) -> list[dict]:
    return next(s for s in document["sources"] if s["name"] == "landing")["tables"]


def source_nodes(document: dict) -> dict:
    """The `graph.sources` dbt builds from the registry file (the keys the macros read)."""
    nodes = {}
    for table in _landing_tables(document):
        unique_id = f"source.lakehouse_bi.landing.{table['name']}"
        nodes[unique_id] = {
            "unique_id": unique_id,
            "source_name": "landing",
            "name": table["name"],
            "meta": table.get("meta") or {},
            "config": {"meta": (table.get("config") or {}).get("meta") or {}},
            "columns": {c["name"]: {"name": c["name"], **c} for c in table.get("columns") or []},
            "original_file_path": str(REGISTRY_FILE),
        }
    return nodes


def harness(document: dict | None = None, **kwargs) -> MacroHarness:
    sources = source_nodes(document or _registry_yaml())
    graph = {"nodes": kwargs.pop("nodes", {}), "sources": sources}
    return MacroHarness(kwargs.pop("engine", "duckdb"), graph=graph, **kwargs)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / REGISTRY_FILE).parent.mkdir(parents=True)
    shutil.copy(PROJECT / REGISTRY_FILE, tmp_path / REGISTRY_FILE)
    return tmp_path


def _edit(project: Path, name: str, edit) -> dict:
    path = project / REGISTRY_FILE
    document = yaml.safe_load(path.read_text())
    edit(next(t for t in _landing_tables(document) if t["name"] == name))
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return document


# -- the registry as Python reads it -----------------------------------------------------------
def test_the_project_registry():
    registry = load_registry(PROJECT)
    assert list(registry) == ["customers", "products", "orders", "order_lines", "web_events"]
    orders = registry["orders"]
    assert (orders.file_format, orders.key, orders.load, orders.changed_at, orders.scd2) == (
        "jsonl", "order_id", "cdc", "updated_at", False,
    )  # fmt: skip
    assert orders.checks == (
        "malformed_row", "null_key", "bad_type", "unknown_operation", "future_date",
        "orphan_customer", "unknown_country",
    )  # fmt: skip
    assert orders.recomputes == ("fct_sales", "sales_dashboard_metrics")
    events = registry["web_events"]
    assert events.load == "append" and "unknown_operation" not in events.checks
    assert events.columns[0] == "event_id" and events.changed_at == "event_at"
    assert registry["customers"].scd2 and registry["customers"].file_format == "csv"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t["meta"].pop("key"), "meta.key: Field required"),
        (lambda t: t["meta"].update(load="stream"), "meta.load: Input should be 'cdc' or 'append'"),
        (lambda t: t["meta"].update(format="parquet"), "meta.format: Input should be 'csv'"),
        (lambda t: t["meta"].update(key="payment_id"), "meta.key payment_id is not one of its"),
        (lambda t: t["columns"].pop(), "a cdc feed needs an `op` column"),
        (lambda t: t["meta"].update(checks="orphan_customer"), "meta.checks: Input should be a"),
    ],
    ids=["no-key", "bad-load", "bad-format", "unknown-key", "cdc-without-op", "checks-not-list"],
)
def test_a_bad_entry_is_a_config_error_naming_file_table_and_key(project, edit, expected):
    _edit(project, "orders", edit)
    with pytest.raises(ConfigError) as raised:
        load_registry(project)
    message = str(raised.value)
    assert "_landing__sources.yml: source landing.orders" in message
    assert expected in message


def test_the_landing_contract_page_lists_the_registry():
    """docs/LANDING.md "Entities and fields" says what the registry says."""
    text = (PROJECT / "docs/LANDING.md").read_text()
    section = text[text.index("## Entities and fields") : text.index("## Adding an entity")]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| entity")
    ]
    documented = {name: (fmt, key, tuple(f.strip() for f in fields.split(","))) for name, fmt,
                  key, fields in rows}  # fmt: skip
    registry = load_registry(PROJECT)
    assert documented == {name: (e.file_format, e.key, e.columns) for name, e in registry.items()}


# -- the registry as the macros read it --------------------------------------------------------
def test_the_macros_read_the_same_registry_as_python():
    entities = harness().call("landing_entities")
    python = load_registry(PROJECT)
    assert {e["name"] for e in entities} == set(python)
    for entity in entities:
        expected = python[entity["name"]]
        assert (entity["format"], entity["key"], entity["load"], entity["changed_at"]) == (
            expected.file_format, expected.key, expected.load, expected.changed_at,
        )  # fmt: skip
        assert entity["scd2"] == expected.scd2
        assert tuple(entity["checks"]) == expected.checks
        assert tuple(entity["recomputes"]) == expected.recomputes
        assert tuple(entity["columns"]) == expected.columns


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t["meta"].pop("changed_at"), "source landing.orders has no meta.changed_at"),
        (lambda t: t["meta"].update(load="stream"), "meta.load must be cdc"),
        (lambda t: t["meta"].update(key="payment_id"), "meta.key payment_id is not one of"),
        (lambda t: t["meta"].update(scd2="yes"), "meta.scd2 must be true or false"),
        (lambda t: t["meta"].update(recomputes="fct_sales"), "meta.recomputes must be a list"),
    ],
    ids=["no-changed-at", "bad-load", "unknown-key", "scd2-not-bool", "recomputes-not-list"],
)
def test_a_bad_entry_fails_compilation_naming_file_table_and_key(project, edit, expected):
    document = _edit(project, "orders", edit)
    with pytest.raises(CompilationError, match=r"_landing__sources\.yml: source landing\.orders"):
        harness(document).call("landing_entities")
    with pytest.raises(CompilationError) as raised:
        harness(document).call("landing_entities")
    assert expected in str(raised.value)


def test_an_unknown_entity_name_lists_the_known_ones():
    with pytest.raises(CompilationError, match=r"No landing table 'payments'.*known: customers"):
        harness().call("landing_entity_named", "payments")


def test_the_dq_checks_query_lists_every_declared_check():
    sql = harness().call("landing_entity_checks")
    rows = duckdb.sql(f"select entity, check_name from ({sql}) order by all").fetchall()
    python = load_registry(PROJECT)
    assert rows == sorted((name, c) for name, e in python.items() for c in e.checks)


# -- graph helpers -----------------------------------------------------------------------------
def model_node(name: str, parents=(), sources=(), **extra) -> dict:
    return {
        "unique_id": f"model.lakehouse_bi.{name}",
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": "main",
        "database": "lakehouse_bi",
        "original_file_path": f"models/{name}.sql",
        "depends_on": {"nodes": [f"model.lakehouse_bi.{p}" for p in parents]},
        "sources": [["landing", s] for s in sources],
        "config": {},
        **extra,
    }


def nodes(*models: dict) -> dict:
    return {m["unique_id"]: m for m in models}


def entity_chain(entity: str) -> list[dict]:
    """bronze -> staging -> checked feed of one entity, as dbt's graph holds them."""
    return [
        model_node(f"bronze_{entity}", sources=[entity]),
        model_node(f"stg_landing__{entity}", parents=[f"bronze_{entity}"]),
        model_node(f"int_{entity}__checked", parents=[f"stg_landing__{entity}"]),
    ]


# -- check_entity_records_cover_registry -------------------------------------------------------
def test_the_union_of_entity_records_must_cover_the_registry():
    chains = [node for e in load_registry(PROJECT) for node in entity_chain(e)]
    bronze = [n["name"] for n in chains if n["name"].startswith("bronze_")]
    covered = model_node("int_landed_records__unioned", parents=bronze)
    assert (
        harness(nodes=nodes(*chains, covered), model=covered).call(
            "check_entity_records_cover_registry"
        )
        == ""
    )
    partial = model_node("int_landed_records__unioned", parents=bronze[:-1])
    with pytest.raises(CompilationError) as raised:
        harness(nodes=nodes(*chains, partial), model=partial).call(
            "check_entity_records_cover_registry"
        )
    missing = bronze[-1].removeprefix("bronze_")
    assert f"the entity registry lists {missing} but this model has no entity_records" in str(
        raised.value
    )


# -- record_quarantine_reasons: every reason declared ------------------------------------------
def test_a_quarantine_reason_the_registry_does_not_declare_fails_compilation():
    chain = entity_chain("orders")
    checked = chain[-1]
    compiled = harness(nodes=nodes(*chain), model=checked).call(
        "record_quarantine_reasons", [("o.order_id is null", "null_key")], "o"
    )
    assert "when o._corrupt_record is not null then 'malformed_row'" in compiled
    with pytest.raises(CompilationError) as raised:
        harness(nodes=nodes(*chain), model=checked).call(
            "record_quarantine_reasons", [("o.total < 0", "negative_total")], "o"
        )
    assert "negative_total are not declared for landing.orders" in str(raised.value)
    assert "meta.checks" in str(raised.value)


def test_the_entity_of_a_checked_feed_is_the_nearest_landing_table():
    """int_order_lines__checked also reads the orders and products feeds (orphan checks): its
    entity is still order_lines, the landing table nearest upstream."""
    chains = entity_chain("order_lines") + entity_chain("orders") + entity_chain("products")
    lines = model_node(
        "int_order_lines__checked",
        parents=["stg_landing__order_lines", "int_orders__checked", "int_products__checked"],
    )
    graph_nodes = nodes(*[n for n in chains if n["name"] != "int_order_lines__checked"], lines)
    entity = harness(nodes=graph_nodes).call("landing_entity_upstream", lines)
    assert entity["name"] == "order_lines"


# -- recompute_window_feeds --------------------------------------------------------------------
def _gold(name: str) -> dict:
    return model_node(name, parents=["int_orders__checked", "int_order_lines__checked"])


def _window_harness(model: dict) -> MacroHarness:
    chains = entity_chain("orders") + entity_chain("order_lines")
    return harness(nodes=nodes(*chains, model), model=model)


def test_the_window_feeds_are_the_registry_movers():
    bricks = _window_harness(_gold("fct_sales"))
    passed = [bricks.relation("int_orders__checked"), bricks.relation("int_order_lines__checked")]
    feeds = bricks.call("recompute_window_feeds", passed)
    assert sorted(f["name"] for f in feeds) == ["int_order_lines__checked", "int_orders__checked"]
    # The strategy's call (no changed_by) finds the same feeds.
    assert [f["name"] for f in bricks.call("recompute_window_feeds")] == [f["name"] for f in feeds]


def test_a_mover_whose_feed_the_model_does_not_pass_fails_compilation():
    bricks = _window_harness(_gold("fct_sales"))
    with pytest.raises(CompilationError) as raised:
        bricks.call("recompute_window_feeds", [bricks.relation("int_orders__checked")])
    message = str(raised.value)
    assert "landing.order_lines recomputes fct_sales (meta.recomputes" in message
    assert "add ref('int_order_lines__checked')" in message


def test_a_feed_no_registry_entity_declares_fails_compilation():
    bricks = _window_harness(_gold("fct_sales"))
    passed = [
        bricks.relation("int_orders__checked"),
        bricks.relation("int_order_lines__checked"),
        bricks.relation("int_web_events__checked"),
    ]
    with pytest.raises(CompilationError, match="gets int_web_events__checked, but no registry"):
        bricks.call("recompute_window_feeds", passed)


def test_the_window_dates_union_every_feed_and_date_by_the_orders_feed():
    bricks = _window_harness(_gold("fct_sales"))
    bricks.incremental = True
    bricks.config["recompute_window_column"] = "order_date"
    bricks.on_query(r"select distinct cast\(versions.order_date", [("2026-01-02",)])
    predicate = bricks.call(
        "recompute_window_predicate",
        changed_by=[
            bricks.relation("int_orders__checked"),
            bricks.relation("int_order_lines__checked"),
        ],
    )
    assert predicate == "order_date in (cast('2026-01-02' as date))"
    query = bricks.queries[-1]
    assert query.count("select order_id") == 2 and "union" in query
    assert 'from "lakehouse_bi"."main"."int_orders__checked" as versions' in query


# -- entity_records: the stages, executed on DuckDB --------------------------------------------
def _records_db() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute("create schema main_x")
    db.execute(
        """
        create table bronze_orders as select * from (values
            ('b1', 'orders/batch=b1/o.jsonl', 1, false, timestamp '2026-01-01 10:00'),
            ('b1', 'orders/batch=b1/o.jsonl', 2, false, timestamp '2026-01-01 10:00'),
            ('b2', 'orders/batch=b2/o.jsonl', 1, true, timestamp '2026-01-02 10:00')
        ) as t(_batch_id, _source_file, _source_line, _is_redelivered, _ingested_at);
        create table int_orders__checked as select * from (values
            (7, 'b1', 'orders/batch=b1/o.jsonl', 1, 'insert', '', timestamp '2026-01-01 09:00',
             timestamp '2026-01-01 10:00'),
            (8, 'b1', 'orders/batch=b1/o.jsonl', 2, 'delete', '', timestamp '2026-01-01 09:30',
             timestamp '2026-01-01 10:00')
        ) as t(order_id, _batch_id, _source_file, _source_line, cdc_operation,
               quarantine_reasons, updated_at, _ingested_at);
        create table quarantine_orders as select * from int_orders__checked where false;
        create table fct_order as select * from (values
            (7, 'b1', 'orders/batch=b1/o.jsonl', 1, 'insert', timestamp '2026-01-01 09:00')
        ) as t(order_id, _batch_id, _source_file, _source_line, cdc_operation, updated_at);
        """
    )
    return db


def test_entity_records_gives_every_stage_of_a_cdc_fact():
    chain = entity_chain("orders")
    duck = harness(nodes=nodes(*chain))
    duck.relation = lambda identifier, **_: _bare(identifier)
    sql = duck.call(
        "entity_records",
        _bare("bronze_orders"),
        _bare("int_orders__checked"),
        _bare("quarantine_orders"),
        _bare("fct_order"),
    )
    rows = (
        _records_db()
        .execute(
            f"select stage, record_key, is_redelivered, _source_line, table_name from ({sql}) "
            "order by all"
        )
        .fetchall()
    )
    # The delete of order 8 is a checked record, never a current one; the re-delivered
    # bronze record stays flagged.
    assert rows == [
        ("checked", 7, False, 1, "fct_order"),
        ("checked", 8, False, 2, "fct_order"),
        ("current", 7, False, 1, "fct_order"),
        ("landed", None, False, 1, "fct_order"),
        ("landed", None, False, 2, "fct_order"),
        ("landed", None, True, 1, "fct_order"),
    ]


def test_entity_records_keeps_the_live_open_version_of_a_snapshot():
    chain = entity_chain("customers")
    duck = harness(nodes=nodes(*chain))
    db = duckdb.connect()
    db.execute(
        """
        create table bronze_customers as select 'b1' as _batch_id, 'f' as _source_file,
            1 as _source_line, false as _is_redelivered, now() as _ingested_at where false;
        create table int_customers__checked as select 1 as customer_id, 'b1' as _batch_id,
            'f' as _source_file, 1 as _source_line, 'insert' as cdc_operation,
            '' as quarantine_reasons, now() as updated_at, now() as _ingested_at where false;
        create table quarantine_customers as select * from int_customers__checked;
        create table snap_customers as select * from (values
            (1, 'b1', 'update', timestamp '2026-01-01', timestamp '2026-01-02', false),
            (1, 'b2', 'update', timestamp '2026-01-02', null, false),
            (2, 'b1', 'delete', timestamp '2026-01-01', null, false),
            (3, 'b1', 'insert', timestamp '2026-01-01', null, true)
        ) as t(customer_id, _batch_id, cdc_operation, updated_at, effective_to, is_hard_deleted);
        """
    )
    sql = duck.call(
        "entity_records",
        _bare("bronze_customers"),
        _bare("int_customers__checked"),
        _bare("quarantine_customers"),
        _bare("snap_customers"),
    )
    rows = db.execute(f"select stage, record_key, _batch_id, _source_file from ({sql})").fetchall()
    assert rows == [("current", 1, "b2", None)]


def _bare(identifier: str):
    """A relation rendered as its bare name (the DuckDB tables above), with the schema the
    graph's bronze node has."""

    class Bare:
        def __init__(self):
            self.identifier, self.schema, self.database = identifier, "main", "lakehouse_bi"

        def __str__(self):
            return identifier

    return Bare()
