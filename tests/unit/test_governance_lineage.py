"""Classification and row filters checked through lineage (issue 24), on a small hand-made
project whose compiled SQL the real column lineage (lakehouse_bi.lineage.columns) reads:
PII lands in a source, flows through bronze, staging and a snapshot into a masked dimension;
sales flow from a row-filtered fact into a per-line table and a company summary.

The valid project passes; each test breaks one thing the way an engineer could and expects
the validator to name the relation, the column, the upstream column and what to do."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.governance import validate
from lakehouse_bi.governance.lineage_checks import LineageSource
from lakehouse_bi.governance.validate import check_manifest

PROJECT = "lakehouse_bi"
BRONZE_YAML = "models/bronze/_bronze.yml"
SILVER_YAML = "models/silver/_silver.yml"
GOLD_YAML = "models/gold/_gold.yml"
SNAPSHOTS_YAML = "snapshots/_snapshots.yml"
SOURCES_YAML = "models/bronze/_sources.yml"
HOOK = [{"sql": "{{ lakehouse.governance_apply_model_policy() }}", "transaction": True}]
RAW = ["data_engineers", "admins"]
READERS = ["data_engineers", "admins", "analysts"]
ROW_FILTER = {
    "function": "wh.governance.row_access_by_country",
    "columns": ["country_code"],
}
VARS = {
    "governance_schema": "governance",
    "governance_groups": {
        "admins": "g_admins",
        "data_engineers": "g_engineers",
        "analysts": "g_analysts",
        "pii_readers": "g_pii",
        "analysts_europe": "g_analysts_eu",
    },
    "governance_unmasked_roles": ["pii_readers", "admins"],
    "governance_raw_pii_roles": ["data_engineers", "admins"],
}
REGION_ACCESS = (
    "role,region,country_code\nadmins,*,*\ndata_engineers,*,*\nanalysts_europe,europe,DE\n"
)


def _columns(**levels: str | None) -> dict:
    """Declared columns, `name=classification` (None: declared, unclassified)."""
    return {
        name: {"name": name, "meta": {"classification": level} if level else {}}
        for name, level in levels.items()
    }


def _node(
    resource_type: str,
    name: str,
    schema: str,
    yaml_file: str,
    compiled: str,
    depends_on: list[str],
    config: dict,
    columns: dict,
) -> dict:
    return {
        "unique_id": f"{resource_type}.{PROJECT}.{name}",
        "resource_type": resource_type,
        "package_name": PROJECT,
        "name": name,
        "alias": name,
        "database": "wh",
        "schema": schema,
        "patch_path": f"{PROJECT}://{yaml_file}",
        "original_file_path": f"{yaml_file.rsplit('/', 1)[0]}/{name}.sql",
        "depends_on": {"nodes": depends_on},
        "compiled_code": compiled,
        "config": {"modify": [], **config},
        "columns": columns,
    }


def _valid_manifest() -> dict:
    source = {
        "unique_id": f"source.{PROJECT}.landing.customers",
        "resource_type": "source",
        "package_name": PROJECT,
        "source_name": "landing",
        "name": "customers",
        "identifier": "customers",
        "database": "wh",
        "schema": "landing",
        "original_file_path": SOURCES_YAML,
        "columns": _columns(customer_id=None, email="pii", country_code=None),
    }
    bronze = _node(
        "model",
        "bronze_customers",
        "bronze",
        BRONZE_YAML,
        'select customer_id, email, country_code from "wh"."landing"."customers"',
        [source["unique_id"]],
        {
            "materialized": "incremental",
            "grants": {"select": RAW},
            "post-hook": HOOK,
            "databricks_tags": {"classification": "pii"},
        },
        _columns(customer_id=None, email="pii", country_code=None),
    )
    staging = _node(
        "model",
        "stg_customers",
        "silver",
        SILVER_YAML,
        "select customer_id, lower(trim(email)) as email,"
        " email like '%@%' as has_valid_email, country_code"
        ' from "wh"."bronze"."bronze_customers"',
        [bronze["unique_id"]],
        {
            "materialized": "view",
            "grants": {"select": RAW},
            "post-hook": HOOK,
            "databricks_tags": {"classification": "pii"},
        },
        _columns(customer_id=None, email="pii", has_valid_email="internal", country_code=None),
    )
    snapshot = _node(
        "snapshot",
        "snap_customers",
        "silver",
        SNAPSHOTS_YAML,
        'select * from "wh"."silver"."stg_customers"',
        [staging["unique_id"]],
        {
            "materialized": "snapshot",
            "grants": {"select": RAW},
            "post-hook": HOOK,
            "databricks_tags": {"classification": "pii"},
        },
        _columns(customer_id=None, email="pii", has_valid_email="internal", country_code=None),
    )
    dimension = _node(
        "model",
        "dim_customer",
        "silver",
        SILVER_YAML,
        "select customer_id, email, country_code, true as is_current"
        ' from "wh"."silver"."snap_customers"',
        [snapshot["unique_id"]],
        {
            "materialized": "table",
            "grants": {"select": READERS},
            "post-hook": HOOK,
            "databricks_tags": {"classification": "pii"},
        },
        {
            **_columns(customer_id=None, country_code=None, is_current=None),
            "email": {
                "name": "email",
                "meta": {"classification": "pii"},
                "column_mask": {"function": "governance.mask_email"},
            },
        },
    )
    fact = _node(
        "model",
        "fct_sales",
        "gold",
        GOLD_YAML,
        'select customer_id, country_code, 10 as net_amount from "wh"."silver"."dim_customer"',
        [dimension["unique_id"]],
        {
            "materialized": "incremental",
            "grants": {"select": READERS},
            "post-hook": HOOK,
            "row_filter": ROW_FILTER,
        },
        _columns(customer_id=None, country_code=None, net_amount=None),
    )
    overlay = _node(
        "model",
        "sales_with_current_customer",
        "gold",
        GOLD_YAML,
        "select sales.*, current_customer.country_code as current_customer_country_code"
        ' from "wh"."gold"."fct_sales" as sales'
        ' left join "wh"."silver"."dim_customer" as current_customer'
        " on sales.customer_id = current_customer.customer_id",
        [fact["unique_id"], dimension["unique_id"]],
        {
            "materialized": "table",
            "grants": {"select": READERS},
            "post-hook": HOOK,
            "row_filter": ROW_FILTER,
        },
        _columns(
            customer_id=None, country_code=None, net_amount=None, current_customer_country_code=None
        ),
    )
    summary = _node(
        "model", "executive_summary", "gold", GOLD_YAML,
        'select sum(net_amount) as revenue from "wh"."gold"."fct_sales"',
        [fact["unique_id"]],
        {"materialized": "view", "grants": {"select": READERS}},
        _columns(revenue=None),
    )  # fmt: skip
    nodes = [bronze, staging, snapshot, dimension, fact, overlay, summary]
    return {
        "metadata": {"project_name": PROJECT, "adapter_type": "duckdb"},
        "nodes": {node["unique_id"]: node for node in nodes},
        "sources": {source["unique_id"]: source},
    }


def _project(tmp_path: Path) -> Path:
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "dbt_project.yml").write_text(yaml.safe_dump({"name": PROJECT, "vars": VARS}))
    (tmp_path / "seeds/region_access.csv").write_text(REGION_ACCESS)
    (tmp_path / "seeds/governance_personas.csv").write_text("persona,role\nadmin,admins\n")
    (tmp_path / "seeds/countries.csv").write_text(
        "country_code,country_name,region,currency_code\nDE,Germany,europe,EUR\n"
    )
    return tmp_path


def _check(tmp_path: Path, manifest: dict, lineage: LineageSource | None = None) -> list[str]:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return [str(v) for v in check_manifest(_project(tmp_path), path, lineage=lineage)]


def _edit(change) -> dict:
    manifest = copy.deepcopy(_valid_manifest())
    change({node["name"]: node for node in manifest["nodes"].values()})
    return manifest


def _unclassify(node: dict, column: str) -> None:
    node["columns"][column]["meta"] = {}


def _starting(problems: list[str], prefix: str) -> str | None:
    return next((problem for problem in problems if problem.startswith(prefix)), None)


def test_the_valid_project_passes(tmp_path):
    assert _check(tmp_path, _valid_manifest()) == []


def test_a_column_reading_a_classified_column_must_be_classified(tmp_path):
    (problem,) = _check(tmp_path, _edit(lambda n: _unclassify(n["stg_customers"], "email")))
    assert problem.startswith(
        f"{SILVER_YAML}: models[stg_customers].columns[email].meta.classification: column "
        "lineage: reads model bronze_customers.email (classified pii), so it holds pii data, "
        "but has no classification; add meta: {classification: pii}"
    )


def test_classification_is_derived_through_unclassified_columns(tmp_path):
    def change(nodes):
        _unclassify(nodes["bronze_customers"], "email")
        _unclassify(nodes["stg_customers"], "email")

    # (bronze_customers, left with no classified column, also loses its post-hook's reason.)
    problems = [p for p in _check(tmp_path, _edit(change)) if "column lineage" in p]
    assert len(problems) == 2, problems
    bronze, staging = problems
    assert "models[bronze_customers].columns[email]" in bronze
    assert "reads source landing.customers.email (classified pii)" in bronze
    assert "models[stg_customers].columns[email]" in staging
    assert (
        "reads model bronze_customers.email (itself unclassified, pii from source "
        "landing.customers.email)"
    ) in staging


def test_an_unclassified_snapshot_column_is_a_violation(tmp_path):
    """The finding: snap_customers held customer history in clear with no classification."""
    (problem,) = _check(tmp_path, _edit(lambda n: _unclassify(n["snap_customers"], "email")))
    assert problem.startswith(
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].columns[email].meta.classification: "
        "column lineage: reads model stg_customers.email (classified pii)"
    )


def test_the_snapshot_granted_to_analysts_is_a_violation(tmp_path):
    def change(nodes):
        nodes["snap_customers"]["config"]["grants"]["select"] = [*RAW, "analysts"]

    problems = _check(tmp_path, _edit(change))
    assert (
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].columns[email].column_mask: pii column "
        "readable by analysts (grants.select) without a mask; add column_mask or restrict "
        "grants to vars.governance_raw_pii_roles"
    ) in problems
    assert (
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].config.grants.select: table classified "
        "pii, readable by analysts, masks no column"
    ) in problems


def test_a_flag_computed_from_pii_needs_an_explicit_classification(tmp_path):
    (problem,) = _check(
        tmp_path, _edit(lambda n: _unclassify(n["stg_customers"], "has_valid_email"))
    )
    assert "models[stg_customers].columns[has_valid_email].meta.classification" in problem
    assert "reads model bronze_customers.email (classified pii)" in problem
    assert "a lower level only if it keeps none of the value" in problem


def test_an_undeclared_output_column_is_checked_too(tmp_path):
    """A column the SQL outputs but the YAML does not declare still carries the data."""
    problems = _check(tmp_path, _edit(lambda n: n["dim_customer"]["columns"].pop("email")))
    assert _starting(
        problems,
        f"{SILVER_YAML}: models[dim_customer].columns[email].meta.classification: column "
        "lineage: reads snapshot snap_customers.email (classified pii)",
    ), problems


def test_untraceable_sql_falls_back_to_the_relation_level(tmp_path):
    def change(nodes):
        nodes["snap_customers"]["compiled_code"] = "select from where ((("
        nodes["snap_customers"]["config"]["databricks_tags"] = {"classification": "internal"}

    problems = _check(tmp_path, _edit(change))
    problem = _starting(
        problems,
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].config.databricks_tags.classification: "
        "relation-level lineage (its columns cannot be traced: its compiled SQL could not be "
        "parsed",
    )
    assert problem, problems
    assert "reads model stg_customers.email (classified pii)" in problem
    assert "set databricks_tags: {classification: pii}" in problem


def test_a_relation_classified_as_its_parents_passes_the_relation_level(tmp_path):
    def change(nodes):
        nodes["snap_customers"]["compiled_code"] = "select from where ((("

    assert _check(tmp_path, _edit(change)) == []


def test_without_compiled_sql_every_relation_is_judged_at_the_relation_level(tmp_path):
    manifest = _valid_manifest()
    for node in manifest["nodes"].values():
        node["compiled_code"] = None
    problems = _check(tmp_path, manifest)
    # fct_sales reads dim_customer, which holds a pii column: without column lineage the
    # validator cannot tell that fct_sales reads none of it.
    assert any(
        "models[fct_sales].config.databricks_tags.classification: relation-level lineage "
        "(its columns cannot be traced: the manifest holds no compiled SQL)" in problem
        for problem in problems
    ), problems


def test_lineage_from_another_manifest_is_used(tmp_path):
    """A `dbt parse` manifest (no SQL) checked with the lineage of a compiled one."""
    from lakehouse_bi.governance.lineage_checks import lineage_from_manifest

    compiled = tmp_path / "compiled.json"
    compiled.write_text(json.dumps(_valid_manifest()))
    lineage = lineage_from_manifest(compiled)
    parsed = _edit(lambda n: _unclassify(n["snap_customers"], "email"))
    for node in parsed["nodes"].values():
        node["compiled_code"] = None
    (problem,) = _check(tmp_path, parsed, lineage)
    assert "snapshots[snap_customers].columns[email].meta.classification" in problem


def test_a_table_storing_row_filtered_rows_needs_a_row_filter(tmp_path):
    """The finding: sales_with_current_customer gave analysts every country's sales lines."""
    problems = _check(
        tmp_path,
        _edit(lambda n: n["sales_with_current_customer"]["config"].pop("row_filter")),
    )
    assert problems[-1] == (
        f"{GOLD_YAML}: models[sales_with_current_customer].config.row_filter: stores rows of "
        "model fct_sales (row filter row_access_by_country on country_code) as a table "
        "without a row filter: analysts (grants.select) would read the rows of every "
        "country; add row_filter on the column that carries the country, keep it a view "
        "(read through the parent's filter), or grant it only to roles region_access gives '*'"
    )


def test_the_summary_materialized_as_a_table_is_a_violation(tmp_path):
    """executive_summary has no country column: a view is what keeps it filtered."""
    (problem,) = _check(
        tmp_path,
        _edit(lambda n: n["executive_summary"]["config"].update(materialized="table")),
    )
    assert "models[executive_summary].config.row_filter: stores rows of model fct_sales" in problem


def test_a_table_read_only_by_roles_seeing_every_country_needs_no_row_filter(tmp_path):
    def change(nodes):
        nodes["executive_summary"]["config"].update(materialized="table", grants={"select": RAW})

    assert _check(tmp_path, _edit(change)) == []


def test_a_row_filter_on_a_view_is_rejected(tmp_path):
    def change(nodes):
        nodes["sales_with_current_customer"]["config"]["materialized"] = "view"

    (problem,) = _check(tmp_path, _edit(change))
    assert problem.startswith(
        f"{GOLD_YAML}: models[sales_with_current_customer].config.row_filter: a view cannot "
        "carry a row filter"
    )


def _with_metric_view(**config) -> dict:
    """The valid project plus a metric view over fct_sales (its compiled code is its YAML, as
    dbt-databricks' metric_view materialization renders it), granted to analysts."""
    manifest = _valid_manifest()
    fact = f"model.{PROJECT}.fct_sales"
    metrics = _node(
        "model", "sales_metrics", "gold", GOLD_YAML,
        "version: 1.1\nsource: wh.gold.fct_sales\n"
        "dimensions:\n  - {name: country_code, expr: country_code}\n"
        "measures:\n  - {name: revenue, expr: SUM(net_amount)}\n",
        [fact],
        {"materialized": "metric_view", "grants": {"select": READERS}, **config},
        {},
    )  # fmt: skip
    manifest["nodes"][metrics["unique_id"]] = metrics
    return manifest


def test_a_metric_view_over_the_filtered_fact_is_read_through_its_filter(tmp_path):
    """A metric view holds no rows: Unity Catalog applies fct_sales' filter to its readers."""
    assert _check(tmp_path, _with_metric_view()) == []


def test_a_row_filter_on_a_metric_view_is_rejected(tmp_path):
    problems = _check(tmp_path, _with_metric_view(row_filter=ROW_FILTER, **{"post-hook": HOOK}))
    assert _starting(
        problems,
        f"{GOLD_YAML}: models[sales_metrics].config.row_filter: a metric view cannot carry a "
        "row filter",
    ), problems


def test_a_snapshot_with_a_classified_column_needs_the_post_hook(tmp_path):
    (problem,) = _check(tmp_path, _edit(lambda n: n["snap_customers"]["config"].pop("post-hook")))
    assert problem.startswith(
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].config.post_hook: declares a governance "
        "policy but not its post-hook"
    )


def test_a_column_classified_lower_stops_the_derivation(tmp_path):
    """has_valid_email is declared internal in staging: the snapshot's copy holds a flag."""
    assert (
        _check(tmp_path, _edit(lambda n: _unclassify(n["snap_customers"], "has_valid_email"))) == []
    )


def test_cli_exits_2_naming_the_relation_and_the_column(tmp_path):
    column = "email"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(_edit(lambda n: _unclassify(n["snap_customers"], column))))
    result = CliRunner().invoke(
        main,
        [
            "validate", "governance", "--project-dir", str(_project(tmp_path)),
            "--manifest", str(manifest),
        ],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"snapshots[snap_customers].columns[{column}].meta.classification" in result.output
    assert "reads model stg_customers.email" in result.output
    assert "Traceback" not in result.output


def test_a_project_that_does_not_compile_is_reported_and_the_other_rules_still_run(
    tmp_path, monkeypatch
):
    """No lineage: said once, no relation-level guesses, every other problem still listed."""

    def compile_fails(project_dir, work_dir):
        raise ConfigError("`dbt compile --target local` (for column lineage) failed: …", "Fix it.")

    parsed = _edit(lambda n: n["dim_customer"]["columns"]["email"].pop("column_mask"))
    for node in parsed["nodes"].values():
        node["compiled_code"] = None
    manifest = tmp_path / "parsed.json"
    manifest.write_text(json.dumps(parsed))
    monkeypatch.setattr(validate, "compile_lineage_manifest", compile_fails)
    monkeypatch.setattr(validate, "parse_manifest", lambda project, target, work: manifest)
    found = validate.check_targets(_project(tmp_path), ["prod"])
    problems = sorted(str(violation) for violation in found)
    assert problems[0].startswith(
        "dbt_project.yml: column lineage: not derived, so classification was not checked "
        "through lineage: `dbt compile --target local` (for column lineage) failed"
    )
    assert any("models[dim_customer].columns[email].column_mask: pii column" in p for p in problems)
    assert not any("relation-level" in p for p in problems), problems
