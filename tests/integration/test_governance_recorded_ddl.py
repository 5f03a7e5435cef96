"""The Databricks side of governance, recorded offline (tests/databricks_harness): the real
dbt-databricks adapter builds the governed tables and everything upstream of them, fresh and
then incrementally, against a fake Unity Catalog that applies every statement it receives.
After each run every built table must carry exactly the masks, row filter, table and column
tags and grants that the policy YAML (the run's manifest) and vars.governance_groups say."""

from __future__ import annotations

import copy
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
from databricks_harness.sql_text import qualified_name, split_qname

PROJECT = Path(__file__).resolve().parents[2]
CATALOG, SCHEMA, TARGET = "lakehouse_bi_ci", "ci", "prod"
SELECTION = [
    "+dim_customer",
    "+fct_sales",
    "+sales_dashboard_metrics",
    "+sales_with_current_customer",
    "region_access",
]
# Elementary's result uploads are not governance; the full-project recording keeps them.
QUIET_ELEMENTARY = {
    "disable_run_results": True,
    "disable_tests_results": True,
    "disable_dbt_artifacts_autoupload": True,
    "disable_dbt_invocation_autoupload": True,
}
# The gold replace_window strategy asks for the order days to recompute; the fake holds no data.
CANNED_ANSWERS = {r"\bas\s+order_day\b": [("2025-01-01",), ("2025-01-02",)]}
RUNS = ("fresh", "incremental")


@dataclass
class Recording:
    manifest: dict
    groups: dict[str, str]
    statements: dict[str, list[RecordedStatement]]
    objects: dict[str, dict]  # run -> catalog objects after it
    functions: set[tuple[str, str, str]]

    def built(self) -> list[dict]:
        return [
            node
            for node in self.manifest["nodes"].values()
            if node["resource_type"] in ("model", "seed", "snapshot")
            and node["package_name"] == "lakehouse_bi"
            and node["config"].get("materialized") != "ephemeral"
            and node["unique_id"] in self.selected
        ]

    @property
    def selected(self) -> set[str]:
        return {s.node_id for s in self.statements["fresh"] if s.node_id}


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Recording:
    if not (PROJECT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` (lakehouse-bi deps) first")
    root = tmp_path_factory.mktemp("governance_recorded")
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema=SCHEMA, target=TARGET)
    warehouse = FakeWarehouse(CATALOG, SCHEMA)
    for pattern, rows in CANNED_ANSWERS.items():
        warehouse.add_canned_answer(pattern, rows)
    args = ["build", "--select", *SELECTION, "--exclude", "resource_type:test"]
    args += ["--exclude", "resource_type:unit_test", "--vars", json.dumps(QUIET_ELEMENTARY)]
    paths = {"target_path": root / "target", "log_path": root / "logs"}
    statements, objects = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
        for run in RUNS:
            statements[run] = record_dbt(
                project, profiles, args, warehouse=warehouse, label=run, **paths
            )
            with warehouse.catalog.lock:
                objects[run] = copy.deepcopy(warehouse.catalog.objects)
    variables = yaml.safe_load((project / "dbt_project.yml").read_text())["vars"]
    return Recording(
        manifest=json.loads((root / "target" / "manifest.json").read_text()),
        groups=variables["governance_groups"],
        statements=statements,
        objects=objects,
        functions=set(warehouse.catalog.functions),
    )


def _key(node: dict) -> tuple[str, ...]:
    return tuple(split_qname(node["relation_name"]))


def _expected_masks(node: dict) -> dict[str, str]:
    return {
        name.lower(): qualified_name(column["column_mask"]["function"])
        for name, column in node.get("columns", {}).items()
        if column.get("column_mask")
    }


def _expected_column_tags(node: dict) -> dict[str, dict[str, str]]:
    if node["resource_type"] not in ("model", "snapshot"):
        return {}
    return {
        name.lower(): {"classification": column["meta"]["classification"]}
        for name, column in node.get("columns", {}).items()
        if (column.get("meta") or {}).get("classification")
    }


def _expected_grants(node: dict, groups: dict[str, str]) -> set[tuple[str, str]]:
    return {
        (groups[role], privilege.upper())
        for privilege, roles in (node["config"].get("grants") or {}).items()
        for role in roles
    }


def test_the_selection_covers_the_governed_tables(recording):
    built = {node["name"]: node for node in recording.built()}
    assert _expected_masks(built["dim_customer"])
    for name in ("fct_sales", "sales_dashboard_metrics", "sales_with_current_customer"):
        assert built[name]["config"]["row_filter"]["columns"] == ["country_code"]
    # The customer history in clear: classified column by column, readable by raw-PII roles.
    snapshot = built["snap_customers"]
    assert _expected_column_tags(snapshot)["email"] == {"classification": "pii"}
    assert set(snapshot["config"]["grants"]["select"]) == {"data_engineers", "admins"}
    assert "region_access" in built


def test_the_current_customer_overlay_is_created_with_its_row_filter(recording):
    """The row filter is part of the CREATE TABLE, not added afterwards: the table is never
    readable unfiltered (issue 24)."""
    node = next(n for n in recording.built() if n["name"] == "sales_with_current_customer")
    creates = [
        s.body
        for s in recording.statements["fresh"]
        if s.node_id == node["unique_id"] and s.kind == "CREATE TABLE"
    ]
    assert len(creates) == 1, creates
    filter_clause = re.search(
        r"with\s+row\s+filter\s+(\S+)\s+on\s*\(\s*`?(\w+)`?\s*\)", creates[0], re.I
    )
    assert filter_clause, creates[0]
    assert tuple(split_qname(filter_clause.group(1))) == (
        CATALOG,
        "governance",
        "row_access_by_country",
    )
    assert filter_clause.group(2) == "country_code"


@pytest.mark.parametrize("run", RUNS)
def test_columns_carry_exactly_their_masks(recording, run):
    for node in recording.built():
        table = recording.objects[run][_key(node)]
        actual = {c.name.lower(): c.mask for c in table.columns if c.mask}
        assert actual == _expected_masks(node), f"{run}: masks of {node['unique_id']}"
        assert not any(c.mask_using for c in table.columns), node["unique_id"]


@pytest.mark.parametrize("run", RUNS)
def test_tables_carry_exactly_their_row_filter(recording, run):
    for node in recording.built():
        row_filter = node["config"].get("row_filter")
        expected = (
            (qualified_name(row_filter["function"]), tuple(row_filter["columns"]))
            if row_filter
            else None
        )
        actual = recording.objects[run][_key(node)].row_filter
        assert actual == expected, f"{run}: row filter of {node['unique_id']}"


@pytest.mark.parametrize("run", RUNS)
def test_tables_and_columns_carry_exactly_their_tags(recording, run):
    for node in recording.built():
        table = recording.objects[run][_key(node)]
        expected_tags = {
            k: str(v) for k, v in (node["config"].get("databricks_tags") or {}).items()
        }
        assert table.tags == expected_tags, f"{run}: table tags of {node['unique_id']}"
        column_tags = {c.name.lower(): c.tags for c in table.columns if c.tags}
        assert column_tags == _expected_column_tags(node), f"{run}: column tags of {node['name']}"


@pytest.mark.parametrize("run", RUNS)
def test_tables_carry_exactly_their_grants(recording, run):
    for node in recording.built():
        actual = recording.objects[run][_key(node)].grants
        expected = _expected_grants(node, recording.groups)
        assert actual == expected, f"{run}: grants of {node['unique_id']}"


def test_policy_functions_exist_before_a_table_uses_them(recording):
    fresh = recording.statements["fresh"]
    created = {
        tuple(split_qname(m.group(1))): s.seq
        for s in fresh
        if (m := re.match(r"create\s+or\s+replace\s+function\s+(\S+?)\s*\(", s.body, re.I))
    }
    assert created and set(created) <= recording.functions
    for node in recording.built():
        references = set(_expected_masks(node).values())
        if row_filter := node["config"].get("row_filter"):
            references.add(qualified_name(row_filter["function"]))
        first_create = min(
            (s.seq for s in fresh if s.node_id == node["unique_id"] and s.kind == "CREATE TABLE"),
            default=None,
        )
        for reference in references:
            parts = tuple(reference.split("."))
            function = parts if len(parts) == 3 else (CATALOG, *parts)
            assert function in created, f"{node['name']} uses {reference}, never created"
            assert created[function] < first_create, f"{reference} created after {node['name']}"


def test_no_run_loosens_a_policy(recording):
    loosening = re.compile(
        r"\brevoke\b|\bdrop\s+mask\b|\bdrop\s+row\s+filter\b|\bunset\s+tags\b", re.I
    )
    sent = [s.body for run in RUNS for s in recording.statements[run] if loosening.search(s.body)]
    assert not sent, "statements that remove a policy:\n" + "\n".join(sent)
