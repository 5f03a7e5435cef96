"""Masks and row filters observable on DuckDB: the `<schema>_governed` views read as each
persona of seeds/governance_personas.csv, checked against the clear tables and against
what the policy YAML and the seeds say (read here independently of the dbt macros)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]


def _seed(name: str) -> list[dict[str, str]]:
    with (PROJECT / "seeds" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _roles(persona: str) -> set[str]:
    return {row["role"] for row in _seed("governance_personas") if row["persona"] == persona}


def _unmasked_roles() -> set[str]:
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())
    return set(project["vars"]["governance_unmasked_roles"])


def _countries_of(persona: str | None) -> set[str] | None:
    """Countries the region_access seed grants to the persona's roles; None means all."""
    granted = {
        row["country_code"]
        for row in _seed("region_access")
        if persona and row["role"] in _roles(persona)
    }
    return None if "*" in granted else granted


@pytest.fixture(scope="module")
def governed(pipeline) -> dict[str, dict]:
    """Governed models from the manifest: clear and governed relation, masks, row filter."""
    manifest = json.loads((pipeline.target / "manifest.json").read_text())
    models = {}
    for node in manifest["nodes"].values():
        masked = sorted(n for n, c in node.get("columns", {}).items() if c.get("column_mask"))
        row_filter = node["config"].get("row_filter")
        if node["resource_type"] == "model" and (masked or row_filter):
            models[node["name"]] = {
                "clear": f"{node['schema']}.{node['alias']}",
                "governed": f"{node['schema']}_governed.{node['alias']}",
                "masked": masked,
                "filter_column": row_filter["columns"][0] if row_filter else None,
            }
    return models


def _read(pipeline, persona: str | None, sql: str) -> list[tuple]:
    with duckdb.connect(str(pipeline.database), read_only=True) as connection:
        if persona:
            connection.execute(f"set variable lakehouse_persona = '{persona}'")
        return connection.execute(sql).fetchall()


def _count(pipeline, persona: str | None, sql: str) -> int:
    return _read(pipeline, persona, sql)[0][0]


def test_the_policy_governs_the_expected_tables(governed):
    assert {"email", "phone", "first_name", "last_name", "street_address"} <= set(
        governed["dim_customer"]["masked"]
    )
    assert governed["fct_sales"]["filter_column"] == "country_code"
    assert governed["sales_dashboard_metrics"]["filter_column"] == "country_code"
    assert governed["sales_with_current_customer"]["filter_column"] == "country_code"


def test_an_analyst_of_one_region_reads_only_that_regions_sales_lines(pipeline):
    """sales_with_current_customer (issue 24): per-line, per-country rows for analysts. An
    analyst of Europe reads exactly the lines of fct_sales (clear) whose order country the
    region_access seed gives Europe, and not one line of another country."""
    europe = _countries_of("analyst_eu")
    assert europe
    expected = _read(
        pipeline,
        None,
        "select order_line_id from gold.fct_sales "
        f"where country_code in ({_sql_list(europe)}) order by 1",
    )
    seen = _read(
        pipeline,
        "analyst_eu",
        "select order_line_id from gold_governed.sales_with_current_customer order by 1",
    )
    assert seen and seen == expected
    others = _count(
        pipeline,
        "analyst_eu",
        "select count(*) from gold_governed.sales_with_current_customer "
        f"where country_code not in ({_sql_list(europe)})",
    )
    assert others == 0


@pytest.mark.parametrize("persona", ["analyst_eu", "engineer", "bi_viewer", None])
def test_readers_outside_the_unmasked_roles_see_no_clear_value(pipeline, governed, persona):
    assert not _roles(persona or "") & _unmasked_roles()
    checked = 0
    for model in governed.values():
        for column in model["masked"]:
            clear = f"select {column} from {model['clear']} where {column} is not null"
            assert _count(pipeline, None, f"select count(*) from ({clear})") > 0, column
            leaked = _count(
                pipeline,
                persona,
                f"select count(*) from (select {column} from {model['governed']} "
                f"intersect {clear})",
            )
            assert leaked == 0, (
                f"{persona} reads {leaked} clear values of {model['clear']}.{column}"
            )
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("persona", ["admin", "pii_reader_eu"])
def test_unmasked_roles_read_clear_values(pipeline, governed, persona):
    assert _roles(persona) & _unmasked_roles()
    for model in governed.values():
        if not model["masked"] or model["filter_column"]:
            continue
        columns = ", ".join(model["masked"])
        differences = _count(
            pipeline,
            persona,
            f"select count(*) from ((select {columns} from {model['governed']} "
            f"except all select {columns} from {model['clear']}) union all "
            f"(select {columns} from {model['clear']} "
            f"except all select {columns} from {model['governed']}))",
        )
        assert differences == 0, f"{persona} does not read {model['clear']} in clear"


@pytest.mark.parametrize("persona", ["analyst_eu", "analyst_na", "admin", "bi_viewer", None])
def test_row_filters_keep_exactly_the_granted_countries(pipeline, governed, persona):
    allowed = _countries_of(persona)
    filtered = [m for m in governed.values() if m["filter_column"]]
    assert filtered
    for model in filtered:
        column = model["filter_column"]
        where = "true" if allowed is None else f"{column} in ({_sql_list(allowed)})"
        expected = _read(
            pipeline,
            None,
            f"select {column}, count(*) from {model['clear']} where {where} group by 1 order by 1",
        )
        seen = _read(
            pipeline,
            persona,
            f"select {column}, count(*) from {model['governed']} group by 1 order by 1",
        )
        assert seen == expected, f"{persona} on {model['governed']}"
        if persona in ("analyst_eu", "analyst_na", "admin"):
            assert seen, f"{persona} should see rows of {model['governed']}"


def test_regional_personas_see_different_regions(pipeline):
    eu, na = _countries_of("analyst_eu"), _countries_of("analyst_na")
    assert eu and na and not eu & na


def _sql_list(values: set[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values)) or "null"
