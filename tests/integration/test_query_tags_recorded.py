"""Query tags (cost attribution) as the real dbt-databricks adapter sends them from a job.

The pipeline job's `dbt build` command, rendered from the bundle for prod, runs in-process with
the jobs' own profile (resources/dbt_profiles/profiles.yml) against the recording fake
warehouse (tests/databricks_harness), after the two substitutions a Databricks dbt task makes:
the job fills in the dynamic value reference {{job.run_id}} in the command, and the task hands
dbt its job id and task run id in DBT_DATABRICKS_HTTP_SESSION_HEADERS (the variable
dbt-databricks 1.12 reads, handle.py). Every connection the adapter opens carries the session
configuration QUERY_TAGS, which Databricks records with each statement of the session in
system.query.history.query_tags: the test reads it per recorded statement.

Independent truth: a node's layer is its folder (models/<layer>/..., seeds/ = reference,
tests = test), its name and materialization come from dbt's manifest, the run ids from the
values the test plays the job with.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
import shlex
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, RecordedStatement, record_dbt
from databricks_harness.runner import copy_project
from databricks_harness.system_tables import duckdb_statement, system_tables_duckdb
from lakehouse_bi.deploy.jobs_render import render_resources
from lakehouse_bi.ops.cost_actual import Window, attribution_sql, statement_parameters

PROJECT = Path(__file__).resolve().parents[2]
JOB_RUN_ID = "734512900113"  # what the job substitutes for {{job.run_id}}
# The headers a dbt task passes (names from dbt-databricks 1.12 handle.py; the job id as a number).
HEADERS = {"X-Databricks-Dbsql-Job-Id": 918273645, "X-Databricks-Dbsql-Run-Id": "554433221"}
# One node per layer, and their data tests.
SELECTED = [
    "countries", "bronze_orders", "stg_landing__orders", "dim_date", "audit_dbt_invocations",
]  # fmt: skip
pytestmark = pytest.mark.slow  # one in-process `dbt build` of a few nodes


def parse_session_tags(text: str) -> dict[str, str]:
    """The QUERY_TAGS session value `k:v,k:v` (`\\`, `,` and `:` escaped with a backslash, the
    format of Databricks' query tags page and dbt-databricks' QueryTagsUtils) as a dict."""
    pairs: dict[str, str] = {}
    for item in re.split(r"(?<!\\),", text):
        key, value = re.split(r"(?<!\\):", item, maxsplit=1)
        pairs[key] = re.sub(r"\\(.)", r"\1", value)
    return pairs


def layer_of(node: dict) -> str:
    """The project's layer of a node: its folder under models/, seeds = reference, tests = test."""
    if node["resource_type"] == "test":
        return "test"
    if node["resource_type"] == "seed":
        return "reference"
    return Path(node["original_file_path"]).parts[1]


def pipeline_build_command() -> str:
    """The pipeline job's dbt build command for prod, as the job runs it (run id filled in)."""
    rendered = render_resources(PROJECT, "prod", {"warehouse_id": "abc123def4567890"}, {})
    tasks = rendered["jobs"]["lakehouse_bi_pipeline"]["tasks"]
    commands = next(t for t in tasks if t["task_key"] == "dbt_build")["dbt_task"]["commands"]
    build = next(c for c in commands if shlex.split(c)[:2] == ["dbt", "build"])
    assert "{{job.run_id}}" in build
    return build.replace("{{job.run_id}}", JOB_RUN_ID)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, monkeypatch_module) -> tuple[list[RecordedStatement], dict]:
    if not (PROJECT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` (lakehouse-bi deps) first")
    root = tmp_path_factory.mktemp("query_tags")
    project = copy_project(PROJECT, root / "project")
    monkeypatch_module.setenv("DBT_HOST", "dbc-fake.cloud.databricks.com")
    monkeypatch_module.setenv("DBT_ACCESS_TOKEN", "dapi-offline-fake-token")
    monkeypatch_module.setenv("DBT_DATABRICKS_HTTP_SESSION_HEADERS", json.dumps(HEADERS))
    words = shlex.split(pipeline_build_command())
    args = ["build", "--select", *SELECTED, "--target", words[words.index("--target") + 1]]
    args += ["--vars", words[words.index("--vars") + 1]]
    warehouse = FakeWarehouse("lakehouse_bi_prod", "main")
    statements = record_dbt(
        project, project / "resources" / "dbt_profiles", args, warehouse=warehouse,
        label="job", target_path=root / "target", log_path=root / "logs",
    )  # fmt: skip
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    return statements, manifest


def test_the_job_command_carries_the_tag_vars():
    words = shlex.split(pipeline_build_command())
    dbt_vars = yaml.safe_load(words[words.index("--vars") + 1])
    assert dbt_vars["databricks_target"] == "prod"
    assert dbt_vars["databricks_job_run_id"] == "{% raw %}" + JOB_RUN_ID + "{% endraw %}"


def test_every_statement_of_a_node_carries_project_layer_model_target_and_run_ids(recorded):
    statements, manifest = recorded
    nodes = {**manifest["nodes"]}
    by_node: dict[str, list[RecordedStatement]] = {}
    for statement in statements:
        if statement.node_id and not statement.node_id.startswith("unit_test."):
            by_node.setdefault(statement.node_id, []).append(statement)
    selected = {f"model.lakehouse_bi.{name}" for name in SELECTED[1:]}
    selected.add("seed.lakehouse_bi.countries")
    assert selected <= set(by_node), sorted(selected - set(by_node))
    layers_seen = set()
    for node_id, sent in by_node.items():
        node = nodes[node_id]
        expected = {
            "project": "lakehouse_bi",
            "target": "prod",
            "layer": layer_of(node),
            "@@dbt_model_name": node["name"],
            "@@dbt_materialized": node["config"]["materialized"],
            "job_id": str(HEADERS["X-Databricks-Dbsql-Job-Id"]),
            "job_run_id": JOB_RUN_ID,
            "task_run_id": HEADERS["X-Databricks-Dbsql-Run-Id"],
        }
        for statement in sent:
            assert statement.query_tags, f"{node_id}: {statement.kind} sent without query tags"
            tags = parse_session_tags(statement.query_tags)
            assert {key: tags.get(key) for key in expected} == expected, (node_id, statement.kind)
        layers_seen.add(expected["layer"])
    assert layers_seen == {"reference", "bronze", "silver", "gold", "observability", "test"}


def test_the_statements_that_build_each_model_are_tagged_with_it(recorded):
    """The DDL/DML that materialises a model (what costs warehouse time) runs on a session
    tagged with that model, so query history attributes it to the model."""
    statements, _ = recorded
    writes = {"CREATE TABLE", "CREATE VIEW", "INSERT", "MERGE"}
    for name in SELECTED:
        built = [s for s in statements if s.node_id and s.node_id.endswith(f".{name}")]
        kinds = {s.kind for s in built if s.kind in writes}
        assert kinds, f"{name}: no write recorded"
        for statement in (s for s in built if s.kind in writes):
            assert parse_session_tags(statement.query_tags)["@@dbt_model_name"] == name


def test_run_hooks_carry_the_connection_tags_without_a_model(recorded):
    """on-run-start / on-run-end (audit, governance functions, Elementary) are attributed to
    the project, target and job run, not to a model."""
    statements, _ = recorded
    hooks = [s for s in statements if s.node_id is None and not s.is_metadata_call]
    assert hooks
    for statement in hooks:
        tags = parse_session_tags(statement.query_tags)
        assert tags["project"] == "lakehouse_bi" and tags["job_run_id"] == JOB_RUN_ID
        assert "@@dbt_model_name" not in tags and "layer" not in tags


def test_the_cost_query_attributes_the_recorded_statements_to_their_models(recorded):
    """The recorded statements as query history (tags as Databricks stores them, one second
    each, on one warehouse) and one billed hour of 0.01 DBU per statement at 1.00 a DBU: the
    attribution statement (run on DuckDB, tests/databricks_harness/system_tables.py) gives each
    node exactly its own statements' share. Unit tests (no layer) are left out."""
    statements, manifest = recorded
    kept = [
        s for s in statements
        if not s.is_metadata_call and not (s.node_id or "").startswith("unit_test.")
    ]  # fmt: skip
    hour = dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)
    con = system_tables_duckdb()
    for index, statement in enumerate(kept):
        start = hour + dt.timedelta(seconds=index)
        con.execute(
            "insert into system_tables.query.history (workspace_id, statement_id, compute, "
            "start_time, end_time, query_source, query_tags) values (?, ?, ?, ?, ?, ?, ?)",
            ["w1", f"s{statement.seq}", {"type": "WAREHOUSE", "cluster_id": None,
             "warehouse_id": "wh1"}, start, start + dt.timedelta(seconds=1),
             {"job_info": None, "dashboard_id": None}, parse_session_tags(statement.query_tags)],
        )  # fmt: skip
    dbus = Decimal("0.01") * len(kept)
    con.execute(
        "insert into system_tables.billing.usage (workspace_id, sku_name, cloud, "
        "usage_start_time, usage_end_time, usage_unit, usage_quantity, usage_metadata) "
        "values ('w1', 'SQL', 'AWS', ?, ?, 'DBU', ?, {'warehouse_id': 'wh1'})",
        [hour, hour + dt.timedelta(hours=1), dbus],
    )
    con.execute(
        "insert into system_tables.billing.list_prices (price_start_time, sku_name, cloud, "
        "currency_code, usage_unit, pricing) values (?, 'SQL', 'AWS', 'USD', 'DBU', "
        "{'default': 1, 'promotional': {'default': 1}, 'effective_list': {'default': 1}})",
        [hour - dt.timedelta(days=30)],
    )
    params = {}
    window = Window(hour, hour + dt.timedelta(hours=1))
    for p in statement_parameters(window, "lakehouse_bi", "prod", JOB_RUN_ID):
        if p.type == "TIMESTAMP":
            params[p.name] = dt.datetime.fromisoformat(p.value)
        else:
            params[p.name] = p.value
    cursor = con.execute(duckdb_statement(attribution_sql()), params)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    got = {
        (r["layer"], r["model"]): (r["statements"], r["list_cost"])
        for r in rows if r["row_kind"] == "model"
    }  # fmt: skip
    expected_counts = collections.Counter(
        (layer_of(manifest["nodes"][s.node_id]), manifest["nodes"][s.node_id]["name"])
        if s.node_id else (None, None)
        for s in kept
    )  # fmt: skip
    expected = {key: (n, Decimal("0.01") * n) for key, n in expected_counts.items()}
    assert got == expected
    assert {r["row_kind"] for r in rows} == {"model"}  # nothing else ran, nothing idle
