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
from databricks.sql.exc import ServerOperationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, RecordedStatement, record_dbt
from databricks_harness.reference import reference_path, render_reference
from databricks_harness.runner import FAKE_HOST, TOKEN_ENV_VAR, copy_project, write_profile
from databricks_harness.sql_parse import ParseCheck, ParseFailure, parse_error, statement_error
from databricks_harness.sql_text import QNAME, split_qname

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
}

# Nodes whose effectful SQL is kept as reviewed reference files: a seed, a bronze append, a
# silver merge, a snapshot, an SCD2 dimension and a gold fact.
REFERENCE_NODES = [
    "seed.lakehouse_bi.countries",
    "model.lakehouse_bi.bronze_orders",
    "model.lakehouse_bi.fact_order",
    "snapshot.lakehouse_bi.snap_customers",
    "model.lakehouse_bi.dim_customer",
    "model.lakehouse_bi.fct_sales",
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
        gap = next(
            (
                name
                for name, pattern in KNOWN_SQLFLUFF_GAPS.items()
                if pattern.search(failure.statement.body)
            ),
            None,
        )
        if gap:
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
