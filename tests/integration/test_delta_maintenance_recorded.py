"""Delta physical design and maintenance as Databricks receives it, recorded offline.

The real dbt-databricks adapter runs in-process against the fake warehouse
(tests/databricks_harness) with predictive optimization OFF and bronze EXTERNAL (an external
location var), builds the medallion layers once, then runs the maintenance entry points the
bundle's maintenance job calls -- `run_table_maintenance` and `apply_retention_policy` --
with predictive optimization off and on. The statements sent are compared with what the
project's YAML asks, table by table: the expectation is computed here from the manifest and
dbt_project.yml, not from the macros. (test_databricks_recorded_sql.py covers the default:
prod, predictive optimization on, every table managed.)
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, RecordedStatement, record_dbt
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile
from databricks_harness.sql_parse import parse_error
from databricks_harness.sql_text import QNAME, split_qname

PROJECT = Path(__file__).resolve().parents[2]
CATALOG, SCHEMA, TARGET = "lakehouse_bi_ci", "ci", "prod"
EXTERNAL = "abfss://lakehouse@lakehousebi.dfs.core.windows.net/prod"
EXPIRED_ROWS = 7  # canned answer of the retention count: every table has expired rows
PO_OFF = {"predictive_optimization": {TARGET: False}, "delta_external_location": EXTERNAL}
PO_ON = {"predictive_optimization": {TARGET: True}, "delta_external_location": EXTERNAL}
# The medallion layers, seeds and snapshots; Elementary's models and hooks are left out.
SELECT = [
    "path:models/bronze",
    "path:models/silver",
    "path:models/gold",
    "path:seeds",
    "path:snapshots",
]
QUIET_ELEMENTARY = {
    "disable_run_results": True,
    "disable_tests_results": True,
    "disable_dbt_artifacts_autoupload": True,
    "disable_dbt_invocation_autoupload": True,
}
NOT_TESTS = ["resource_type:test", "resource_type:unit_test"]
slow = pytest.mark.slow

_TABLE_STATEMENT = re.compile(
    rf"\A(?P<verb>optimize|vacuum|reorg\s+table|delete\s+from|insert\s+into|alter\s+schema)\s+"
    rf"(?P<name>{QNAME})(?P<rest>.*)\Z",
    re.I | re.S,
)


@dataclass
class Maintenance:
    manifest: dict
    build: list[RecordedStatement]
    maintenance_po_off: list[RecordedStatement]
    maintenance_po_on: list[RecordedStatement]
    retention_po_on: list[RecordedStatement]
    refused: list[RecordedStatement]
    refused_log: str


def _run(project, profiles, root, warehouse, label, args, variables, allow_failure=False):
    return record_dbt(
        project, profiles, [*args, "--vars", json.dumps({**QUIET_ELEMENTARY, **variables})],
        warehouse=warehouse, label=label, target_path=root / "target", log_path=root / label,
        allow_failure=allow_failure,
    )  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Maintenance:
    if not (PROJECT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` (lakehouse-bi deps) first")
    root = tmp_path_factory.mktemp("delta_maintenance")
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema=SCHEMA, target=TARGET)
    warehouse = FakeWarehouse(CATALOG, SCHEMA)
    warehouse.add_canned_answer(r"\bas\s+expired_rows\b", [(EXPIRED_ROWS,)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
        build = _run(
            project, profiles, root, warehouse, "build",
            ["build", "--select", *SELECT, "--exclude", *NOT_TESTS],
            PO_OFF,
        )  # fmt: skip
        manifest = json.loads((root / "target" / "manifest.json").read_text())
        maintenance = ["run-operation", "run_table_maintenance"]
        po_off = _run(project, profiles, root, warehouse, "maintenance_po_off", maintenance, PO_OFF)
        po_on = _run(project, profiles, root, warehouse, "maintenance_po_on", maintenance, PO_ON)
        retention = _run(
            project, profiles, root, warehouse, "retention_po_on",
            ["run-operation", "apply_retention_policy", "--args", '{"as_of": "2026-06-30"}'], PO_ON,
        )  # fmt: skip
        policy = _policy()
        policy["gold"]["vacuum_retain_hours"] = 100
        refused = _run(
            project, profiles, root, warehouse, "refused", maintenance,
            {**PO_OFF, "retention_policy": policy}, allow_failure=True,
        )  # fmt: skip
    refused_log = (root / "refused" / "dbt.log").read_text()
    return Maintenance(manifest, build, po_off, po_on, retention, refused, refused_log)


def _policy() -> dict:
    return yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]["retention_policy"]


def _layer_properties(layer: str) -> dict[str, str]:
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())
    return project["models"]["lakehouse_bi"][layer]["+tblproperties"]


def _maintained(manifest: dict) -> list[dict]:
    """The project's nodes stored as tables (what run_table_maintenance covers)."""
    return sorted(
        (
            n
            for n in manifest["nodes"].values()
            if n["package_name"] == "lakehouse_bi"
            and n["resource_type"] in ("model", "snapshot", "seed")
            and (
                n["resource_type"] != "model"
                or n["config"]["materialized"] in ("table", "incremental")
            )
        ),
        key=lambda n: n["unique_id"],
    )


def _layer(node: dict) -> str | None:
    if node["resource_type"] == "snapshot":
        return "silver"
    return node["fqn"][1] if node["resource_type"] == "model" else None


def _relation(node: dict) -> str:
    return ".".join(split_qname(node["relation_name"]))


def _clustered(node: dict) -> bool:
    config = node["config"]
    return bool(config.get("liquid_clustered_by") or config.get("auto_liquid_cluster"))


def _vacuum_hours(node: dict) -> int:
    layer = _layer(node)
    return _policy()[layer]["vacuum_retain_hours"] if layer in _policy() else 168


def _actions(statements: list[RecordedStatement]) -> set[tuple[str, str, str]]:
    """(verb, table, rest squashed) of every maintenance statement."""
    found = set()
    for s in statements:
        m = _TABLE_STATEMENT.match(s.body)
        if m:
            verb = re.sub(r"\s+", " ", m.group("verb").lower())
            rest = re.sub(r"\s+", " ", m.group("rest")).strip().lower()
            found.add((verb, ".".join(split_qname(m.group("name"))), rest))
    return found


def _expected_maintenance(manifest: dict, po: bool) -> set[tuple[str, str, str]]:
    expected = set()
    for node in _maintained(manifest):
        external = node["config"].get("location_root") is not None
        if po and not external:
            continue  # predictive optimization maintains managed tables
        relation = _relation(node)
        if not _clustered(node) or node["config"].get("skip_optimize"):
            expected.add(("optimize", relation, ""))
        expected.add(("vacuum", relation, f"retain {_vacuum_hours(node)} hours"))
    return expected


@slow
def test_bronze_is_external_under_the_location_and_the_rest_managed(recorded):
    creates = {
        ".".join(split_qname(m.group(1))): s.body
        for s in recorded.build
        if (m := re.match(rf"create\s+(?:or\s+replace\s+)?table\s+({QNAME})", s.body, re.I))
    }
    checked = 0
    for node in _maintained(recorded.manifest):
        body = creates.get(_relation(node))
        if node["resource_type"] != "model":
            continue
        assert body, f"{node['name']}: no CREATE TABLE recorded"
        location = re.search(r"\blocation\s+'([^']*)'", body, re.I)
        if _layer(node) == "bronze":
            assert location and location.group(1) == f"{EXTERNAL}/bronze/{node['alias']}", node[
                "name"
            ]
        else:
            assert location is None, f"{node['name']} is external: {location.group(0)}"
        checked += 1
    assert checked > 20


@slow
def test_without_predictive_optimization_the_adapter_optimizes_clustered_tables_after_build(
    recorded,
):
    optimized = {t for verb, t, _ in _actions(recorded.build) if verb == "optimize"}
    clustered = {_relation(n) for n in _maintained(recorded.manifest) if _clustered(n)}
    assert clustered and optimized == clustered
    assert not any(verb == "vacuum" for verb, _, _ in _actions(recorded.build))  # never in a build


@slow
def test_maintenance_without_predictive_optimization_optimizes_and_vacuums_every_table(recorded):
    actions = _actions(recorded.maintenance_po_off)
    tables = {a for a in actions if a[0] in ("optimize", "vacuum")}
    assert tables == _expected_maintenance(recorded.manifest, po=False)
    schemas = {a[1] for a in actions if a[0] == "alter schema"}
    assert {a[2] for a in actions if a[0] == "alter schema"} == {"disable predictive optimization"}
    assert f"{CATALOG}.silver" in schemas and f"{CATALOG}.gold" in schemas
    assert f"{CATALOG}.bronze" not in schemas  # external: predictive optimization never applies


@slow
def test_maintenance_with_predictive_optimization_leaves_managed_tables_to_the_platform(recorded):
    actions = _actions(recorded.maintenance_po_on)
    tables = {a for a in actions if a[0] in ("optimize", "vacuum")}
    expected = _expected_maintenance(recorded.manifest, po=True)
    assert tables == expected
    assert expected and all(t.split(".")[1] == "bronze" for _, t, _ in expected)
    assert {a[2] for a in actions if a[0] == "alter schema"} == {"enable predictive optimization"}


@slow
def test_retention_deletes_before_the_cutoff_and_vacuums_where_the_policy_says(recorded):
    actions = _actions(recorded.retention_po_on)
    policy = _policy()
    # Each model names its own retention column (config meta.retention_column, the folder's
    # +meta for bronze and silver) unless it is exempt; the layer's policy gives the days.
    listed = {
        _relation(n): (layer, column, policy[layer]["retention_days"])
        for n in _maintained(recorded.manifest)
        if (layer := _layer(n)) in policy
        and (column := (meta := n["config"].get("meta", {})).get("retention_column"))
        and not meta.get("retention_exempt")  # e.g. SCD2 history that cannot be rebuilt
    }
    assert {layer for layer, _, _ in listed.values()} == set(policy) & {"bronze", "silver", "gold"}
    import datetime as dt

    expected_deletes = set()
    for relation, (_, column, days) in listed.items():
        cutoff = dt.date(2026, 6, 30) - dt.timedelta(days=days)
        expected_deletes.add(
            ("delete from", relation, f"where `{column}` < cast('{cutoff}' as date)")
        )
    assert {a for a in actions if a[0] == "delete from"} == expected_deletes
    assert {a[1] for a in actions if a[0] == "reorg table"} == set(listed)
    assert {a[2] for a in actions if a[0] == "reorg table"} == {"apply (purge)"}
    # Predictive optimization vacuums the managed tables; only external bronze is vacuumed here.
    vacuumed = {(a[1], a[2]) for a in actions if a[0] == "vacuum"}
    bronze = {r for r, (layer, _, _) in listed.items() if layer == "bronze"}
    assert vacuumed == {
        (r, f"retain {policy['bronze']['vacuum_retain_hours']} hours") for r in bronze
    }
    ledger = [a for a in actions if a[0] == "insert into"]
    assert {a[1] for a in ledger} == {f"{CATALOG}.observability.retention_expired_files"}
    assert len(ledger) == len(bronze)


@slow
def test_vacuum_below_168_hours_is_refused_before_anything_runs(recorded):
    assert not _actions(recorded.refused), "statements were sent despite the refusal"
    assert "refused: RETAIN 100 HOURS (from vars.retention_policy.gold.vacuum_retain_hours)" in (
        recorded.refused_log
    )
    assert "below Delta's safety threshold of 168 hours" in recorded.refused_log


@slow
def test_maintenance_statements_parse_with_sqlfluff_databricks(recorded):
    statements = recorded.maintenance_po_off + recorded.retention_po_on
    bodies = {s.body for s in statements if _TABLE_STATEMENT.match(s.body)}
    assert bodies
    failures = {b: e for b in bodies if (e := parse_error(b)) is not None}
    # REORG TABLE ... APPLY (PURGE) has no sqlfluff grammar yet (sqlfluff 4.4): the known gap.
    unexpected = {b: e for b, e in failures.items() if not re.match(r"reorg\s+table\b", b, re.I)}
    assert not unexpected, unexpected
