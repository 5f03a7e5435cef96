"""Prove the Databricks side offline: the whole project through the real dbt-databricks adapter.

`dbt build` runs twice in-process -- fresh, then incrementally -- with `databricks.sql.connect`
replaced by a fake warehouse (tests/databricks_harness) that records every statement and
answers introspection from an in-memory Unity Catalog. The recorded SQL must parse with
sqlfluff's databricks dialect, the second run must take the incremental paths (MERGE, INSERT,
snapshot merge), and the SQL of a few key nodes must match reviewed reference files.

Refresh the references after reviewing the diff (REGENERATE below).
"""

from __future__ import annotations

import collections
import difflib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from databricks.sql.exc import ServerOperationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, RecordedStatement, record_dbt
from databricks_harness.reference import reference_path, render_reference
from databricks_harness.runner import FAKE_HOST, TOKEN_ENV_VAR, copy_project, write_profile
from databricks_harness.sql_parse import ParseCheck, ParseFailure, parse_error, statement_error
from databricks_harness.sql_text import QNAME, paren_body, parse_properties, split_qname

PROJECT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = PROJECT / "tests" / "fixtures" / "databricks_reference"
UPDATE_REFERENCE = os.environ.get("LAKEHOUSE_BI_UPDATE_REFERENCE") == "1"
REGENERATE = (
    "LAKEHOUSE_BI_UPDATE_REFERENCE=1 .venv/bin/pytest "
    "tests/integration/test_databricks_recorded_sql.py"
)
CATALOG, SCHEMA, TARGET = "lakehouse_bi_ci", "ci", "prod"
slow = pytest.mark.slow  # two in-process `dbt build`s of the whole project

# Statements sqlfluff 4.4's databricks dialect cannot parse although Databricks accepts them.
# Anything else that fails to parse fails the test.
KNOWN_SQLFLUFF_GAPS = {
    "DESCRIBE TABLE EXTENDED ... AS JSON (DBR 16.2+; how dbt-databricks reads column metadata)": (
        re.compile(r"\Adesc(ribe)?\s+(table\s+)?extended\s+\S+\s+as\s+json\Z", re.I)
    ),
    "CREATE TABLE ... WITH ROW FILTER (Unity Catalog row filters, no sqlfluff grammar yet)": (
        re.compile(r"\Acreate\s+(or\s+replace\s+)?table\b.*\bwith\s+row\s+filter\b", re.I | re.S)
    ),
    "SHOW GRANTS ON <table> (dbt's grant diff; sqlfluff's databricks dialect has no SHOW GRANTS)": (
        re.compile(r"\Ashow\s+grants?\b.*\bon\b", re.I | re.S)
    ),
    "INSERT INTO ... BY NAME REPLACE WHERE (dbt-databricks replace_where on SQL warehouses / "
    "DBR 18+; sqlfluff knows BY NAME and REPLACE WHERE only apart)": (
        re.compile(r"\Ainsert\s+into\s+\S+\s+by\s+name\s+replace\s+where\b", re.I)
    ),
}

# The fake holds no data, so macros that branch on query results would only ever see empty
# answers. These canned rows (regex on the SELECT -> rows) make the gold models' replace_window
# strategy render a realistic recompute window instead of `REPLACE WHERE false`.
CANNED_ANSWERS = {
    r"\bas\s+order_day\b": [("2025-01-01",), ("2025-01-02",)],
    # The batch's key range of a merge_cdc MERGE (merge_key_range_predicates).
    r"\bas\s+min_merge_key\b": [(1001, 1500)],
}

# Nodes whose effectful SQL is kept as reviewed reference files: a seed, a bronze append, a
# staging view (literal-form casts), a checked feed (the judging), a silver merge, a snapshot,
# an SCD2 dimension, a gold fact, the row-filtered current-customer overlay and the metric
# view (CREATE VIEW ... WITH METRICS).
REFERENCE_NODES = [
    "seed.lakehouse_bi.countries",
    "model.lakehouse_bi.bronze_orders",
    "model.lakehouse_bi.stg_landing__orders",
    "model.lakehouse_bi.int_orders__checked",
    "model.lakehouse_bi.fct_order",
    "snapshot.lakehouse_bi.snap_customers",
    "model.lakehouse_bi.dim_customer",
    "model.lakehouse_bi.fct_sales",
    "model.lakehouse_bi.sales_metrics",
    "model.lakehouse_bi.sales_with_current_customer",
]

_WRITE = re.compile(
    rf"\A(?P<verb>merge\s+into|insert\s+(?:into|overwrite)(?:\s+table)?|insert\s+replace|"
    rf"delete\s+from|update|create\s+(?:or\s+replace\s+)?table(?:\s+if\s+not\s+exists)?)"
    rf"\s+(?P<name>{QNAME})",
    re.I,
)


@dataclass
class Recording:
    warehouse: FakeWarehouse
    fresh: list[RecordedStatement]
    incremental: list[RecordedStatement]
    manifest: dict
    parse_failures: list[ParseFailure]

    @property
    def statements(self) -> list[RecordedStatement]:
        return self.fresh + self.incremental

    def nodes(self, resource_type: str, materialized: str | None = None) -> list[dict]:
        return [
            node
            for node in self.manifest["nodes"].values()
            if node["resource_type"] == resource_type
            and (materialized is None or node["config"].get("materialized") == materialized)
        ]


def _writes(statement: RecordedStatement) -> tuple[str, str] | None:
    """(verb, catalog.schema.table) of a statement that writes a table, else None."""
    m = _WRITE.match(statement.body)
    if not m:
        return None
    verb = re.sub(r"^(insert \w+) table$", r"\1", re.sub(r"\s+", " ", m.group("verb").lower()))
    return verb, ".".join(split_qname(m.group("name")))


def _known_sqlfluff_gap(statement: RecordedStatement) -> str | None:
    """The KNOWN_SQLFLUFF_GAPS entry the statement falls under, if any."""
    return next(
        (name for name, pattern in KNOWN_SQLFLUFF_GAPS.items() if pattern.search(statement.body)),
        None,
    )


def _relation(node: dict) -> str:
    return ".".join(split_qname(node["relation_name"]))


def _writes_to(statements: list[RecordedStatement], node: dict) -> list[str]:
    target = _relation(node)
    return [w[0] for s in statements if (w := _writes(s)) and w[1] == target]


@pytest.fixture(scope="module")
def recording(tmp_path_factory, monkeypatch_module) -> Recording:
    if not (PROJECT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` (lakehouse-bi deps) first")
    root = tmp_path_factory.mktemp("databricks_recorded")
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema=SCHEMA, target=TARGET)
    monkeypatch_module.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
    warehouse = FakeWarehouse(CATALOG, SCHEMA)
    for pattern, rows in CANNED_ANSWERS.items():
        warehouse.add_canned_answer(pattern, rows)
    paths = {"target_path": root / "target", "log_path": root / "logs"}
    check = ParseCheck()  # worker processes parse statements while dbt keeps running
    warehouse.listeners.append(check.add)
    try:
        fresh = record_dbt(
            project, profiles, ["build"], warehouse=warehouse, label="fresh", **paths
        )
        incremental = record_dbt(
            project, profiles, ["build"], warehouse=warehouse, label="incremental", **paths
        )
        failures = check.failures()
    finally:
        check.close()
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    return Recording(warehouse, fresh, incremental, manifest, failures)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@slow
def test_every_kind_of_statement_is_recorded(recording):
    fresh = collections.Counter(s.kind for s in recording.fresh)
    incremental = collections.Counter(s.kind for s in recording.incremental)
    assert fresh["CREATE TABLE"] > 0 and fresh["CREATE VIEW"] > 0 and fresh["INSERT"] > 0
    assert incremental["MERGE"] > 0 and incremental["INSERT"] > 0
    assert fresh["DESCRIBE AS JSON"] > 0 or incremental["DESCRIBE AS JSON"] > 0
    built = [
        node
        for kind in ("model", "seed", "snapshot")
        for node in recording.nodes(kind)
        if node["config"].get("materialized") != "ephemeral"
    ]
    for statements, label in ((recording.fresh, "fresh"), (recording.incremental, "incremental")):
        spoken = {s.node_id for s in statements}
        silent = [n["unique_id"] for n in built if n["unique_id"] not in spoken]
        assert not silent, f"{label} run sent no SQL for {silent}"
        # Elementary's on-run-end hook uploads run results (its vars are on in both runs).
        uploads = [w for s in statements if (w := _writes(s)) and w[0] == "insert into"]
        assert any(w[1].endswith(".dbt_run_results") for w in uploads), label
    connections = recording.warehouse.connect_kwargs
    assert connections and all(
        c["server_hostname"] == FAKE_HOST and c["catalog"] == CATALOG for c in connections
    )


@slow
def test_canned_answers_are_still_asked_for(recording):
    unused = [c.pattern.pattern for c in recording.warehouse.responder.canned if not c.hits]
    assert not unused, f"no query matched {unused}: update CANNED_ANSWERS to the project's SQL"


@slow
def test_fake_catalog_knows_every_column(recording):
    """Empty column lists would mean the fake guessed, and dbt rendered, invalid DDL."""
    unknown = [k for k, o in recording.warehouse.catalog.objects.items() if not o.columns]
    assert not unknown, f"tables created without known columns: {unknown}"
    empty_ddl = [
        s.body
        for s in recording.statements
        if s.kind == "CREATE TABLE" and re.search(r"\(\s*\)\s*using\b", s.body, re.I)
    ]
    assert not empty_ddl, "CREATE TABLE with an empty column list:\n" + "\n\n".join(empty_ddl)


@slow
def test_every_statement_parses_with_sqlfluff_databricks(recording):
    unexpected = []
    known: dict[str, int] = collections.Counter()
    for failure in recording.parse_failures:
        if gap := _known_sqlfluff_gap(failure.statement):
            known[gap] += 1
        else:
            unexpected.append(failure)
    parsed = sum(1 for s in recording.statements if not s.is_metadata_call)
    assert parsed > 0
    print(f"{parsed} statements checked; known sqlfluff gaps hit: {dict(known)}")
    assert not unexpected, (
        f"{len(unexpected)} recorded statement(s) do not parse with sqlfluff's databricks "
        "dialect (add a KNOWN_SQLFLUFF_GAPS entry only for valid Databricks SQL):\n\n"
        + "\n\n".join(str(f) for f in unexpected[:20])
    )


@slow
def test_incremental_models_take_the_incremental_path(recording):
    checked = 0
    for node in recording.nodes("model", "incremental"):
        strategy = node["config"].get("incremental_strategy") or "merge"
        fresh = _writes_to(recording.fresh, node)
        second = _writes_to(recording.incremental, node)
        name = node["unique_id"]
        assert any(v.startswith("create") for v in fresh), f"{name}: not created on the fresh run"
        assert not any(v.startswith("create") for v in second), f"{name}: rebuilt, not merged"
        expected = {
            "merge": ("merge into",),
            "append": ("insert into",),
            "insert_overwrite": ("insert overwrite", "insert replace", "insert into"),
            "replace_where": ("insert into", "insert replace"),
            "delete+insert": ("delete from",),
            "microbatch": ("insert into", "insert replace", "merge into"),
        }.get(strategy, ("merge into", "insert into", "insert overwrite", "delete from", "update"))
        assert any(v.startswith(expected) for v in second), (
            f"{name} ({strategy}): the incremental run wrote {second or 'nothing'} to it"
        )
        checked += 1
    assert checked > 0


@slow
def test_snapshots_merge_on_the_second_run(recording):
    snapshots = recording.nodes("snapshot")
    assert snapshots
    for node in snapshots:
        name = node["unique_id"]
        assert any(v.startswith("create") for v in _writes_to(recording.fresh, node)), name
        assert "merge into" in _writes_to(recording.incremental, node), name


@slow
@pytest.mark.parametrize("node_id", REFERENCE_NODES)
def test_reference_sql(recording, node_id):
    assert node_id in recording.manifest["nodes"], f"{node_id} is gone: update REFERENCE_NODES"
    actual = render_reference(node_id, recording.statements, REGENERATE)
    path = reference_path(REFERENCE_DIR, node_id)
    if UPDATE_REFERENCE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"no reference for {node_id}; create it with {REGENERATE}"
    expected = path.read_text()
    diff = "\n".join(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "reference", "recorded", lineterm=""
        )
    )
    if expected != actual:  # pytest.fail: one readable diff instead of pytest's own
        pytest.fail(
            f"{node_id} sends different SQL than {path.relative_to(PROJECT)}; review the diff, "
            f"then run {REGENERATE}\n{diff[:6000]}"
        )


# -- the checks of the landing contract, as Databricks receives them ------------------------
# Behaviour-relevant fragments of the SQL of the nodes that read and judge landed records
# (packages/lakehouse/macros/: ingestion, casting, quality); whitespace is ignored (_squash).


def _squash(sql: str) -> str:
    """`sql` with runs of whitespace as one space and none next to parentheses."""
    return re.sub(r"\s*([()])\s*", r"\1", re.sub(r"\s+", " ", sql)).strip()


def _node_sql(recording: Recording, node_id: str, invocation: str = "fresh") -> str:
    """The squashed SQL text the node sent in one run (statements joined by `;`)."""
    assert node_id in recording.manifest["nodes"], f"{node_id} is gone"
    bodies = [
        s.body
        for s in recording.statements
        if s.node_id == node_id and s.invocation == invocation and not s.is_metadata_call
    ]
    assert bodies, f"{node_id} sent no SQL in the {invocation} run"
    return ";\n".join(_squash(b) for b in bodies)


def _assert_contains(sql: str, fragments: list[str], node_id: str) -> None:
    missing = [f for f in fragments if _squash(f) not in sql]
    assert not missing, f"{node_id} does not send: {missing}"


def _assert_parses(recording: Recording, node_id: str) -> None:
    failures = [
        f
        for f in recording.parse_failures
        if f.statement.node_id == node_id and _known_sqlfluff_gap(f.statement) is None
    ]
    assert not failures, "\n\n".join(str(f) for f in failures)


@slow
@pytest.mark.parametrize(
    ("entity", "file_format"), [("customers", "csv"), ("orders", "json")], ids=["csv", "json"]
)
def test_bronze_reads_landing_files_keeping_malformed_records(recording, entity, file_format):
    node_id = f"model.lakehouse_bi.bronze_{entity}"
    extension = "csv" if file_format == "csv" else "jsonl"
    # The fake lands no file: the incremental run reads nothing (Ingestion on Databricks).
    incremental = _node_sql(recording, node_id, "incremental")
    assert "mode => 'PERMISSIVE'" not in incremental, node_id
    for invocation in ("fresh",):
        sql = _node_sql(recording, node_id, invocation)
        _assert_contains(
            sql,
            [
                f"from read_files('/Volumes/{CATALOG}/landing/files/{entity}/batch=*/*.{extension}'"
                f", format => '{file_format}',",
                "mode => 'PERMISSIVE',",
                "columnNameOfCorruptRecord => '_corrupt_record',",
                # the line number: file block, then read position within it, per file
                "_metadata.file_path as _source_path,",
                "_metadata.file_block_start as _file_block_start,",
                "monotonically_increasing_id() as _read_position",
                "row_number() over (partition by _source_path "
                "order by _file_block_start, _read_position)"
                + (" + 1" if file_format == "csv" else "")
                + " as _source_line",
                # a parsed record over the length limit is malformed too, its fields as JSON
                "_corrupt_record is null and (coalesce(length(",
                "<= 1000000 as is_well_formed",
                "when not is_well_formed then coalesce(_corrupt_record, to_json(struct(",
            ],
            node_id,
        )
        schema = re.search(r"schema => '([^']*)'", sql)
        assert schema, f"{node_id}: read_files has no explicit schema"
        fields = schema.group(1).split(", ")
        assert fields[-1] == "`_corrupt_record` STRING", fields
        assert all(re.fullmatch(r"`\w+` STRING", f) for f in fields), fields
        csv_only = ["header => true,", "rescuedDataColumn => '_rescued_data',"]
        if file_format == "csv":
            _assert_contains(sql, csv_only, node_id)
        else:
            assert not any(_squash(f) in sql for f in csv_only), f"{node_id}: CSV options"
        if file_format == "csv":  # the header is line 1: its first record is line 2
            assert "_read_position) as _source_line" not in sql
    fresh = _node_sql(recording, node_id)
    _assert_contains(fresh, ["`_corrupt_record` string", "`_source_line` int"], node_id)
    _assert_parses(recording, node_id)


# landing_timestamp of `order_ts`: the literal check, then the offset (sign, hours, minutes)
# subtracted as minutes from the local date and time.
_ORDER_TS = "nullif(trim(order_ts), '')"
_ZONE = "'[T ][0-9:.]+([+-])([0-9]{2}):?([0-9]{2})$'"
_INTEGER_LITERAL = "'^[+-]?[0-9]{1,18}$'"


@slow
def test_staging_converts_offsets_to_utc(recording):
    node_id = "model.lakehouse_bi.stg_landing__orders"
    _assert_contains(
        _node_sql(recording, node_id),
        [
            f"when regexp_like({_ORDER_TS}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ]"
            "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?"
            "(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$')",
            f"then timestampadd(minute, case regexp_extract({_ORDER_TS}, {_ZONE}, 1) "
            "when '+' then -1 when '-' then 1 else 0 end "
            f"* (cast(coalesce(nullif(regexp_extract({_ORDER_TS}, {_ZONE}, 2), ''), '0') as int)"
            f" * 60 + cast(coalesce(nullif(regexp_extract({_ORDER_TS}, {_ZONE}, 3), ''), '0')"
            " as int)), ",
            f"try_cast(regexp_extract({_ORDER_TS}, '^([0-9-]{{10}})', 1) || ' ' || "
            f"regexp_extract({_ORDER_TS}, '^[0-9-]{{10}}[T ]([0-9:.]+)', 1) as timestamp))",
            "end as ordered_at_utc",
        ],
        node_id,
    )
    _assert_parses(recording, node_id)


@slow
@pytest.mark.parametrize(
    ("node", "fragments"),
    [
        (
            "stg_landing__orders",
            [
                f"case when regexp_like(nullif(trim(order_id), ''), {_INTEGER_LITERAL}) "
                "then cast(nullif(trim(order_id), '') as bigint) end as order_id",
                "order_id as order_id_text",
                "case when lower(trim(op)) in ('insert', 'i', 'c', 'r') then 'insert' "
                "when lower(trim(op)) in ('update', 'u') then 'update' "
                "when lower(trim(op)) in ('delete', 'd') then 'delete' end as cdc_operation",
            ],
        ),
        (
            "stg_landing__order_lines",
            [
                "case when regexp_like(nullif(trim(unit_price), ''), "
                "'^[+-]?[0-9]{1,16}([.][0-9]{1,2})?$') "
                "then cast(nullif(trim(unit_price), '') as decimal(18, 2)) end as unit_price",
                f"cast(case when regexp_like(nullif(trim(quantity), ''), {_INTEGER_LITERAL})",
            ],
        ),
        (
            "stg_landing__customers",
            [
                "case when regexp_like(nullif(trim(signup_date), ''), "
                "'^[0-9]{4}-[0-9]{2}-[0-9]{2}$') "
                "then try_cast(nullif(trim(signup_date), '') as date) end",
            ],
        ),
        (
            "stg_landing__products",
            [
                "case lower(nullif(trim(is_active), '')) "
                "when 'true' then true when 'false' then false end",
            ],
        ),
    ],
    ids=["integer+cdc", "decimal", "date", "boolean"],
)
def test_staging_casts_by_literal_form(recording, node, fragments):
    node_id = f"model.lakehouse_bi.{node}"
    _assert_contains(_node_sql(recording, node_id), fragments, node_id)
    _assert_parses(recording, node_id)


@slow
def test_email_pattern_reaches_databricks_with_doubled_backslashes(recording):
    """Databricks string literals treat `\\` as an escape: regex_matches doubles each one so
    that regexp_like receives the pattern written once in
    packages/lakehouse/macros/casting/landing_email.sql."""
    node_id = "model.lakehouse_bi.int_customers__checked"
    atom = (
        r"[^@\s\x0B\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}"
        r"\x{3000}]+"
    )
    pattern = "^" + atom + "@" + atom + "[.]" + atom + "$"
    literal = "'" + pattern.replace("\\", "\\\\") + "'"
    assert r"'^[^@\\s\\x0B\\x{A0}" in literal
    _assert_contains(
        _node_sql(recording, node_id),
        [
            f"case when not coalesce(regexp_like(customers.email, {literal}), false) "
            "then 'invalid_email' end",
        ],
        node_id,
    )
    _assert_parses(recording, node_id)


@slow
def test_checked_feed_judges_malformed_badly_typed_unknown_and_future_records(recording):
    node_id = "model.lakehouse_bi.int_orders__checked"
    for invocation in ("fresh", "incremental"):
        _assert_contains(
            _node_sql(recording, node_id, invocation),
            [
                "case when orders._corrupt_record is not null then 'malformed_row' "
                "else concat_ws(',', case when orders.order_id_text is null then 'null_key' end,",
                "case when (orders.order_id_text is not null and orders.order_id is null) "
                "then 'bad_type' end",
                "case when (orders.customer_id_text is not null and orders.customer_id is null) "
                "then 'bad_type' end",
                "case when orders.ordered_at is null then 'bad_type' end",
                "case when orders.cdc_operation is null then 'unknown_operation' end",
                "case when orders.updated_at > timestampadd(hour, 24, orders._ingested_at) "
                "then 'future_date' end",
                "case when orders.ordered_at > timestampadd(hour, 24, orders.updated_at) "
                "then 'future_date' end",
                "end as quarantine_reasons",
            ],
            node_id,
        )
    _assert_parses(recording, node_id)


# -- the Delta physical design, as the YAML asks (docs/DATABRICKS.md) ---------------------------
# This recording is prod: predictive optimization on, every table managed. The other corners
# (off, external bronze, the maintenance run-operations) are in
# test_delta_maintenance_recorded.py.


def _create_table(recording: Recording, node: dict) -> str:
    """The fresh run's CREATE TABLE of the node's relation."""
    target = _relation(node)
    bodies = [
        s.body
        for s in recording.fresh
        if (w := _writes(s)) and w[1] == target and w[0].startswith("create")
    ]
    assert bodies, f"{node['unique_id']}: no CREATE TABLE in the fresh run"
    return bodies[-1]


def _layer_properties() -> dict[str, dict[str, str]]:
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())
    layers = project["models"]["lakehouse_bi"]
    return {layer: layers[layer].get("+tblproperties") for layer in ("bronze", "silver", "gold")}


@slow
def test_every_table_has_the_clustering_and_properties_its_yaml_asks(recording):
    properties = _layer_properties()
    checked = 0
    for node in recording.nodes("model"):
        if node["package_name"] != "lakehouse_bi" or node["config"]["materialized"] not in (
            "table",
            "incremental",
        ):
            continue
        name, config = node["name"], node["config"]
        body = _create_table(recording, node)
        cluster = re.search(r"\bcluster\s+by\s+(auto\b|\(([^)]*)\))", body, re.I)
        liquid = config.get("liquid_clustered_by")
        if liquid:
            expected = [liquid] if isinstance(liquid, str) else liquid
            assert cluster and [c.strip() for c in cluster.group(2).split(",")] == expected, name
        elif config.get("auto_liquid_cluster"):
            assert cluster and cluster.group(1).lower() == "auto", name
        else:
            assert cluster is None, f"{name} is clustered: {cluster.group(0)}"
        clause = re.search(r"\btblproperties\s*\(", body, re.I)
        assert clause, f"{name}: no tblproperties"
        sent = parse_properties(paren_body(body, clause.end() - 1)[0])
        assert sent == properties[node["fqn"][1]], name
        assert not re.search(r"\blocation\s+'", body, re.I), f"{name}: external in prod"
        checked += 1
    # 5 bronze + 5 checked feeds + conservation state + 5 quarantines + record_conservation,
    # 2 dimensions, 3 silver facts, fct_sales, sales_dashboard_metrics,
    # sales_with_current_customer, dim_date.
    assert checked == 26
    # Predictive optimization (on in prod) maintains managed tables: the adapter's OPTIMIZE
    # after each build is skipped, and a build never VACUUMs.
    assert not [
        s.body for s in recording.statements if re.match(r"(optimize|vacuum)\b", s.body, re.I)
    ]


@slow
def test_contracts_send_their_constraints(recording):
    contracted = [n for n in recording.nodes("model") if n["config"]["contract"]["enforced"]]
    assert {n["name"] for n in contracted} >= {
        "dim_customer", "dim_product", "fct_order", "fct_order_line", "fct_web_event",
        "fct_sales", "sales_dashboard_metrics", "executive_summary", "dim_date",
        "sales_with_current_customer",
    }  # fmt: skip
    # A contracted view holds no column types or constraints: dbt checks its columns against
    # the contract before creating it (the build succeeded), nothing more is sent.
    tables = [n for n in contracted if n["config"]["materialized"] != "view"]
    for node in tables:
        name = node["name"]
        body = _squash(_create_table(recording, node))
        sent = _node_sql(recording, node["unique_id"])
        for column in node["columns"].values():
            kinds = {c["type"] for c in column.get("constraints", [])}
            data_type = re.escape(_squash(column["data_type"]).replace(", ", ","))
            declared = re.search(
                rf"`{column['name']}` {data_type}( ?NOT NULL)?(?= ?COMMENT| ?MASK|,|\))", body, re.I
            )
            assert declared, f"{name}.{column['name']} not declared as {column['data_type']}"
            assert bool(declared.group(1)) == ("not_null" in kinds), f"{name}.{column['name']}"
            if "primary_key" in kinds:
                assert re.search(rf"PRIMARY KEY\({column['name']}\)", body), name
        for constraint in node.get("constraints", []):
            if constraint["type"] == "check":
                _assert_contains(
                    sent,
                    [f"ADD CONSTRAINT {constraint['name']} CHECK ({constraint['expression']})"],
                    node["unique_id"],
                )
            elif constraint["type"] == "primary_key":
                assert f"PRIMARY KEY({', '.join(constraint['columns'])})" in body, name


@slow
@pytest.mark.parametrize(
    ("node", "column"), [("fct_sales", "order_date"), ("sales_dashboard_metrics", "metric_date")]
)
def test_replace_where_prunes_on_the_first_clustering_key(recording, node, column):
    config = recording.manifest["nodes"][f"model.lakehouse_bi.{node}"]["config"]
    assert config["liquid_clustered_by"][0] == column
    _assert_contains(
        _node_sql(recording, f"model.lakehouse_bi.{node}", "incremental"),
        [
            f"REPLACE WHERE {column} in (cast('2025-01-01' as date), cast('2025-01-02' as date))",
        ],
        node,
    )


@slow
@pytest.mark.parametrize("node", ["fct_order", "fct_order_line"])
def test_merge_prunes_on_the_batchs_range_of_the_clustering_key(recording, node):
    config = recording.manifest["nodes"][f"model.lakehouse_bi.{node}"]["config"]
    key = config["unique_key"]
    assert config["liquid_clustered_by"] == [key] and config["merge_key_range_pruning"]
    _assert_contains(
        _node_sql(recording, f"model.lakehouse_bi.{node}", "incremental"),
        [
            f"on dbt_internal_dest.`{key}` = dbt_internal_source.`{key}` "
            f"and (dbt_internal_dest.`{key}` between 1001 and 1500) when matched",
        ],
        node,
    )


@slow
@pytest.mark.parametrize(
    ("node", "hint"),
    [
        ("fct_sales", "/*+ BROADCAST(product_as_of) */"),
        ("sales_dashboard_metrics", "/*+ BROADCAST(countries, channels) */"),
    ],
)
def test_gold_joins_broadcast_the_small_dimensions(recording, node, hint):
    for invocation in ("fresh", "incremental"):
        _assert_contains(
            _node_sql(recording, f"model.lakehouse_bi.{node}", invocation), [f"select {hint}"], node
        )


def test_fake_warehouse_follows_ddl_and_answers_introspection():
    """The fake itself, quickly: DDL updates the catalog that introspection answers from."""
    warehouse = FakeWarehouse("cat", "sch")
    connection = warehouse.connect(server_hostname=FAKE_HOST, http_path="/sql/1.0/x", catalog="cat")
    cursor = connection.cursor()
    cursor.execute(
        "create or replace table `cat`.`sch`.`t` using delta tblproperties ('k' = 'v') "
        "as select cast(1 as bigint) as id, 'x' as name"
    )
    cursor.execute("describe table extended `cat`.`sch`.`t` as json")
    metadata = json.loads(cursor.fetchone()[0])
    assert [(c["name"], c["type"]["name"]) for c in metadata["columns"]] == [
        ("id", "bigint"),
        ("name", "string"),
    ]
    cursor.execute(
        "select table_name, lower(data_source_format) as file_format "
        "from `system`.`information_schema`.`tables` where table_schema = 'sch'"
    )
    assert cursor.fetchall() == [("t", "delta")]
    cursor.execute("alter table `cat`.`sch`.`t` set tblproperties ('k2' = 'v2')")
    cursor.execute("show tblproperties `cat`.`sch`.`t`")
    assert dict(cursor.fetchall()) == {"k": "v", "k2": "v2"}
    cursor.execute("select count(*) as n, max(id) as top from `cat`.`sch`.`t`")
    assert [d[0] for d in cursor.description] == ["n", "top"]
    assert cursor.fetchall() == [(0, None)]  # tables are always empty
    cursor.execute("drop table if exists `cat`.`sch`.`t`")
    with pytest.raises(ServerOperationError, match="TABLE_OR_VIEW_NOT_FOUND"):
        cursor.execute("describe table extended `cat`.`sch`.`t` as json")
    assert [s.kind for s in warehouse.statements] == [
        "CREATE TABLE",
        "DESCRIBE AS JSON",
        "SELECT",
        "ALTER TABLE SET TBLPROPERTIES",
        "SHOW TBLPROPERTIES",
        "SELECT",
        "DROP TABLE",
        "DESCRIBE AS JSON",
    ]


def test_fake_warehouse_keeps_constraints_as_databricks_does():
    """Primary keys in information_schema, CHECKs as `delta.constraints.<name>` properties, so
    an incremental run sees the constraints the first run added (and does not add them again)."""
    warehouse = FakeWarehouse("cat", "sch")
    connection = warehouse.connect(server_hostname=FAKE_HOST, http_path="/sql/1.0/x", catalog="cat")
    cursor = connection.cursor()
    cursor.execute(
        "create or replace table `cat`.`sch`.`t` (`id` bigint NOT NULL, `price` decimal(18,2), "
        "CONSTRAINT 70537a27 PRIMARY KEY (id)) using delta"
    )
    cursor.execute("alter table `cat`.`sch`.`t` add constraint price_ok check (price >= 0)")
    cursor.execute("show tblproperties `cat`.`sch`.`t`")
    assert dict(cursor.fetchall()) == {"delta.constraints.price_ok": "price >= 0"}
    cursor.execute(
        "select c.constraint_type, k.column_name from `cat`.information_schema.table_constraints c "
        "join `cat`.information_schema.key_column_usage k on c.constraint_name = k.constraint_name "
        "where c.table_name = 't'"
    )
    assert cursor.fetchall() == [("PRIMARY KEY", "id")]
    cursor.execute("alter table `cat`.`sch`.`t` drop constraint price_ok")
    cursor.execute("show tblproperties `cat`.`sch`.`t`")
    assert cursor.fetchall() == []


@pytest.mark.parametrize(
    "sql",
    [
        "insert into `c`.`s`.`t` values ('a', 1, null), ('b\\'c', 2.5, 'x'), ('d', -3, true)",
        "create or replace view `c`.`s`.`v` as select * from ("
        + " union all ".join(f"select {i} as n, 'row {i}' as label" for i in range(30))
        + ") as u where n > 1",
        "describe table extended `c`.`s`.`t` as json",
        "merge into `c`.`s`.`t` as d using (select 1 as id) as s on d.id = s.id "
        "when matched then update set * when not matched then insert *",
    ],
)
def test_sqlfluff_check_by_units_agrees_with_full_parse(sql):
    assert (statement_error(sql) is None) == (parse_error(sql) is None)
