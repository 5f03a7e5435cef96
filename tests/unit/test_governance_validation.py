"""`lakehouse-bi validate governance` on synthetic projects: a valid policy passes, and each
kind of bad policy is rejected with a message naming the file and the key."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.governance import policy
from lakehouse_bi.governance.validate import check_manifest

PROJECT = Path(__file__).resolve().parents[2]
SILVER_YAML = "models/silver/_silver__models.yml"
GOLD_YAML = "models/gold/_gold__models.yml"

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
REGION_ACCESS = "role,region,country_code\nadmins,*,*\nanalysts_europe,europe,DE\n"
PERSONAS = "persona,role\nanalyst_eu,analysts\nanalyst_eu,analysts_europe\n"
COUNTRIES = "country_code,country_name,region,currency_code\nDE,Germany,europe,EUR\n"
POLICY_HOOK = [{"sql": "{{ lakehouse.governance_apply_model_policy() }}", "transaction": True}]


def _node(name: str, yaml_file: str, config: dict, columns: dict) -> dict:
    return {
        "unique_id": f"model.lakehouse_bi.{name}",
        "resource_type": "model",
        "name": name,
        "package_name": "lakehouse_bi",
        "database": "lakehouse_bi_prod",
        "patch_path": f"lakehouse_bi://{yaml_file}",
        "original_file_path": yaml_file.rsplit("/", 1)[0] + f"/{name}.sql",
        "config": config,
        "columns": columns,
        # Compiled SQL, as `dbt compile` writes it: the validator reads column lineage from it.
        "compiled_code": f"select {', '.join(columns)} from (select 1) as placeholder",
    }


def _valid_manifest() -> dict:
    dim_customer = _node(
        "dim_customer",
        SILVER_YAML,
        {
            "databricks_tags": {"layer": "silver", "classification": "pii"},
            "grants": {"select": ["data_engineers", "analysts"], "modify": []},
            "post-hook": POLICY_HOOK,
        },
        {
            "customer_id": {"name": "customer_id", "meta": {}},
            "email": {
                "name": "email",
                "meta": {"classification": "pii"},
                "column_mask": {"function": "governance.mask_email"},
            },
            "postal_code": {
                "name": "postal_code",
                "meta": {"classification": "confidential"},
                "column_mask": {"function": "lakehouse_bi_prod.governance.mask_partial"},
            },
        },
    )
    fct_sales = _node(
        "fct_sales",
        GOLD_YAML,
        {
            "databricks_tags": {"layer": "gold"},
            "grants": {"select": ["analysts"]},
            "row_filter": {
                "function": "lakehouse_bi_prod.governance.row_access_by_country",
                "columns": ["country_code"],
            },
            "post-hook": POLICY_HOOK,
        },
        {"country_code": {"name": "country_code", "meta": {}}},
    )
    return {
        "metadata": {"project_name": "lakehouse_bi", "adapter_type": "databricks"},
        "nodes": {node["unique_id"]: node for node in (dim_customer, fct_sales)},
        "sources": {},
    }


def _project(tmp_path: Path, variables: dict | None = None, region_access: str = REGION_ACCESS):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "dbt_project.yml").write_text(
        yaml.safe_dump({"name": "lakehouse_bi", "vars": variables or VARS})
    )
    (tmp_path / "seeds/region_access.csv").write_text(region_access)
    (tmp_path / "seeds/governance_personas.csv").write_text(PERSONAS)
    (tmp_path / "seeds/countries.csv").write_text(COUNTRIES)
    return tmp_path


def _check(tmp_path: Path, manifest: dict, catalog: dict | None = None, **project) -> list[str]:
    project_dir = _project(tmp_path, **project)
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    catalog_path = None
    if catalog is not None:
        catalog_path = tmp_path / "catalog.json"
        catalog_path.write_text(json.dumps(catalog))
    return [str(v) for v in check_manifest(project_dir, manifest_path, catalog_path)]


def _edit(change) -> dict:
    manifest = copy.deepcopy(_valid_manifest())
    change(manifest["nodes"])
    return manifest


def _dim(nodes: dict) -> dict:
    return nodes["model.lakehouse_bi.dim_customer"]


def _fct(nodes: dict) -> dict:
    return nodes["model.lakehouse_bi.fct_sales"]


def test_a_valid_policy_passes(tmp_path):
    assert _check(tmp_path, _valid_manifest()) == []


def test_a_policy_without_its_post_hook_is_rejected(tmp_path):
    manifest = _edit(lambda nodes: _fct(nodes)["config"].pop("post-hook"))
    (problem,) = _check(tmp_path, manifest)
    assert problem.startswith(f"{GOLD_YAML}: models[fct_sales].config.post_hook:")
    assert "lakehouse.governance_apply_model_policy() }}" in problem


def test_the_post_hook_on_a_model_without_policy_is_rejected(tmp_path):
    def drop_policy(nodes):
        del _fct(nodes)["config"]["row_filter"]

    (problem,) = _check(tmp_path, _edit(drop_policy))
    assert "models[fct_sales].config.post_hook" in problem
    assert "remove the post-hook" in problem


def test_unknown_mask_is_rejected(tmp_path):
    def change(nodes):
        _dim(nodes)["columns"]["email"]["column_mask"]["function"] = "governance.mask_emial"

    assert _check(tmp_path, _edit(change)) == [
        f"{SILVER_YAML}: models[dim_customer].columns[email].column_mask.function: unknown mask "
        f"'mask_emial'; known: {', '.join(policy.MASK_FUNCTIONS)}"
    ]


def test_mask_outside_the_governance_schema_is_rejected(tmp_path):
    def change(nodes):
        _dim(nodes)["columns"]["email"]["column_mask"]["function"] = "silver.mask_email"

    (problem,) = _check(tmp_path, _edit(change))
    assert problem.startswith(
        f"{SILVER_YAML}: models[dim_customer].columns[email].column_mask.function: "
        "'silver.mask_email' must name a function of the governance schema"
    )


def test_unknown_group_role_in_grants_is_rejected(tmp_path):
    def change(nodes):
        _fct(nodes)["config"]["grants"]["select"] = ["analyst"]

    (problem,) = _check(tmp_path, _edit(change))
    assert problem.startswith(
        f"{GOLD_YAML}: models[fct_sales].config.grants.select: unknown group role 'analyst'"
    )


def test_unknown_role_in_the_region_access_seed_is_rejected(tmp_path):
    seed = REGION_ACCESS + "analysts_mars,europe,DE\n"
    assert _check(tmp_path, _valid_manifest(), region_access=seed) == [
        "seeds/region_access.csv: line 4.role: unknown group role 'analysts_mars' "
        "(not in vars.governance_groups)"
    ]


def test_region_access_row_must_match_the_countries_seed(tmp_path):
    seed = REGION_ACCESS + "analysts_europe,asia_pacific,DE\nanalysts_europe,europe,XX\n"
    assert _check(tmp_path, _valid_manifest(), region_access=seed) == [
        "seeds/region_access.csv: line 4.region: DE is in 'europe', not 'asia_pacific'",
        "seeds/region_access.csv: line 5.country_code: unknown country 'XX' "
        "(not in seeds/countries.csv)",
    ]


def test_row_filter_on_an_undeclared_column_is_rejected(tmp_path):
    def change(nodes):
        _fct(nodes)["config"]["row_filter"]["columns"] = ["region"]

    assert _check(tmp_path, _edit(change)) == [
        f"{GOLD_YAML}: models[fct_sales].config.row_filter.columns[0]: column region is not "
        "declared in the columns of fct_sales"
    ]


def test_mask_on_a_column_missing_from_the_built_relation_is_rejected(tmp_path):
    catalog = {
        "nodes": {
            "model.lakehouse_bi.dim_customer": {"columns": {"CUSTOMER_ID": {}, "EMAIL": {}}},
            "model.lakehouse_bi.fct_sales": {"columns": {"country_code": {}}},
        }
    }
    (problem,) = _check(tmp_path, _valid_manifest(), catalog=catalog)
    assert problem.startswith(
        f"{SILVER_YAML}: models[dim_customer].columns[postal_code].column_mask: column "
        "postal_code does not exist in the built relation"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda n: _dim(n)["columns"]["email"]["column_mask"].update(
                function="governance.mask_email(email); drop table x; --"
            ),
            f"{SILVER_YAML}: models[dim_customer].columns[email].column_mask.function: "
            "'governance.mask_email(email); drop table x; --' is not a plain SQL identifier",
        ),
        (
            lambda n: _fct(n)["config"]["row_filter"].update(columns=["country_code`) --"]),
            f"{GOLD_YAML}: models[fct_sales].config.row_filter.columns[0]: "
            "'country_code`) --' is not a plain SQL identifier",
        ),
        (
            lambda n: _fct(n)["config"]["grants"].update(select=["analysts; drop"]),
            f"{GOLD_YAML}: models[fct_sales].config.grants.select: "
            "'analysts; drop' is not a plain SQL identifier",
        ),
        (
            lambda n: _dim(n)["config"]["databricks_tags"].update(owner="o'brien"),
            f"{SILVER_YAML}: models[dim_customer].config.databricks_tags.owner: "
            "'owner': \"o'brien\" is not a plain SQL identifier",
        ),
    ],
    ids=["mask function", "row filter column", "grantee", "tag value"],
)
def test_a_name_that_is_not_a_plain_identifier_is_rejected(tmp_path, change, expected):
    assert _check(tmp_path, _edit(change)) == [expected]


def test_a_group_name_that_is_not_a_plain_identifier_is_rejected(tmp_path):
    variables = copy.deepcopy(VARS)
    variables["governance_groups"]["analysts"] = "Data Analysts"
    assert _check(tmp_path, _valid_manifest(), variables=variables) == [
        "dbt_project.yml: vars.governance_groups.analysts: 'Data Analysts' is not a plain SQL "
        "identifier"
    ]


def test_unknown_classification_is_rejected(tmp_path):
    def change(nodes):
        _dim(nodes)["columns"]["email"]["meta"]["classification"] = "secret"

    problems = _check(tmp_path, _edit(change))
    assert (
        f"{SILVER_YAML}: models[dim_customer].columns[email].meta.classification: unknown "
        "classification 'secret'; known: public, internal, confidential, pii"
    ) in problems


def test_pii_readable_beyond_the_raw_pii_roles_needs_a_mask(tmp_path):
    def change(nodes):
        del _dim(nodes)["columns"]["email"]["column_mask"]

    (problem,) = _check(tmp_path, _edit(change))
    assert problem.startswith(
        f"{SILVER_YAML}: models[dim_customer].columns[email].column_mask: pii column readable "
        "by analysts (grants.select) without a mask"
    )


def test_table_classification_below_a_column_is_rejected(tmp_path):
    def change(nodes):
        _dim(nodes)["config"]["databricks_tags"]["classification"] = "internal"

    problems = _check(tmp_path, _edit(change))
    assert (
        f"{SILVER_YAML}: models[dim_customer].config.databricks_tags.classification: "
        "'internal' is less sensitive than column email (pii)"
    ) in problems


def test_cli_reports_every_problem_and_exits_2(tmp_path):
    def change(nodes):
        _dim(nodes)["columns"]["email"]["column_mask"]["function"] = "governance.mask_emial"
        _fct(nodes)["config"]["grants"]["select"] = ["analyst"]

    project_dir = _project(tmp_path)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(_edit(change)))
    result = CliRunner().invoke(
        main,
        ["validate", "governance", "--project-dir", str(project_dir), "--manifest", str(manifest)],
    )
    assert result.exit_code == 2
    assert "2 governance policy problem(s)" in result.output
    assert "columns[email].column_mask.function: unknown mask 'mask_emial'" in result.output
    assert "config.grants.select: unknown group role 'analyst'" in result.output


def _jinja_list(macro_file: str, macro: str) -> list[str]:
    source = (PROJECT / "packages/lakehouse/macros/governance" / macro_file).read_text()
    body = re.search(rf"macro {macro}\(\).*?return\(\[(.*?)\]\)", source, re.S)
    assert body, f"{macro} not found in {macro_file}"
    return re.findall(r"'([^']+)'", body.group(1))


def test_python_registries_match_the_macros():
    """The validator and the dbt macros accept the same names."""
    assert _jinja_list("mask_expression.sql", "governance_mask_kinds") == list(policy.MASK_KINDS)
    assert _jinja_list("model_policy.sql", "governance_classifications") == list(
        policy.CLASSIFICATIONS
    )
    assert _jinja_list("model_policy.sql", "governance_row_filter_functions") == list(
        policy.ROW_FILTER_FUNCTIONS
    )
    assert _jinja_list("apply_grants.sql", "governance_grant_privileges") == list(policy.PRIVILEGES)
