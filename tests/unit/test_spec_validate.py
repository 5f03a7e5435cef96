"""`lakehouse-bi validate`: one pass over the registered spec checks, each problem naming the
file and the key (profiles, vars, glossary; policies have their own tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.glossary.docs import DOCS_FILE, render_doc_blocks, stale_docs_problem
from lakehouse_bi.glossary.glossary import glossary_problems, load_glossary
from lakehouse_bi.spec import profiles, project_vars
from lakehouse_bi.spec.registry import REGISTRY, SpecError, run_checks

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path) -> Path:
    for name in ("dbt_project.yml", "profiles.yml.example", ".env.example", "glossary.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_registry_holds_each_spec_kind_once():
    assert list(REGISTRY) == [
        "profiles",
        "vars",
        "entities",
        "jobs",
        "physical_design",
        "cost",
        "glossary",
        "dashboards",
        "policies",
        "models",
        "evaluator",
    ]
    for check in REGISTRY.values():
        assert check.__name__ == "spec_problems"


def test_the_project_profiles_and_vars_are_valid():
    assert profiles.spec_problems(ROOT) == []
    assert project_vars.spec_problems(ROOT) == []


def test_profile_problems_name_file_and_key(tmp_path):
    project = _project(tmp_path)
    data = yaml.safe_load((ROOT / "profiles.yml.example").read_text())
    outputs = data["lakehouse_bi"]["outputs"]
    outputs["dev"]["host"] = "https://dbc-1.cloud.databricks.com"
    outputs["dev"]["token"] = "dapi-literal"  # pragma: allowlist secret
    del outputs["staging"]["http_path"]
    outputs["prod"] = {"type": "databricks", "host": "h", "http_path": "p", "catalog": "c",
                       "schema": "s", "auth_type": "oauth"}  # fmt: skip
    outputs["local"]["path"] = "{{ env_var('NOT_DOCUMENTED_ANYWHERE', 'x.duckdb') }}"
    del data["elementary"]["outputs"]["prod"]
    (project / "profiles.yml.example").write_text(yaml.safe_dump(data))
    problems = profiles.spec_problems(project)
    where = "profiles.yml.example: lakehouse_bi.outputs"
    assert sorted(problems) == sorted([
        f"{where}.dev.token: a literal credential; read it with env_var()",
        f"{where}.dev.host: the host goes without a scheme (no https://)",
        f"{where}.staging.http_path: missing (required by dbt-databricks)",
        f"{where}.prod.client_id: missing for auth_type oauth",
        "profiles.yml.example: elementary.outputs.prod: missing",
        "profiles.yml.example: env_var('NOT_DOCUMENTED_ANYWHERE') is not documented in "
        ".env.example",
    ])  # fmt: skip


def test_every_env_var_the_project_reads_is_in_env_example():
    documented = profiles.documented_env_vars(ROOT)
    assert {"DATABRICKS_HOST", "DATABRICKS_HTTP_PATH", "DATABRICKS_TOKEN",
            "DATABRICKS_CLIENT_ID", "LAKEHOUSE_BI_DUCKDB_MEMORY_LIMIT"} <= documented  # fmt: skip
    # The host is documented without a scheme, as dbt-databricks takes it.
    text = (ROOT / ".env.example").read_text()
    assert "DATABRICKS_HOST WITHOUT a scheme" in text.replace("Workspace host", "DATABRICKS_HOST")


def test_vars_problems():
    variables = {
        "schema_evolution_mode": "loose",
        "dq_quarantine_rate_warn": 0.2,
        "dq_quarantine_rate_error": 0.1,
        "calendar_start_date": "2030-01-01",
        "calendar_end_date": "2020-01-01",
        "cdc_operation_codes": {"insert": ["i", "x"], "update": ["X"], "delete": ["d"]},
        "governance_groups": {"admins": "a"},
        "governance_unmasked_roles": ["pii_readers"],
    }
    assert project_vars.vars_problems(variables) == [
        "dbt_project.yml: vars.schema_evolution_mode: 'loose' is not one of "
        "['strict', 'permissive', 'auto_fix']"
    ]
    variables["schema_evolution_mode"] = "strict"
    assert project_vars.vars_problems(variables) == [
        "dbt_project.yml: vars.dq_quarantine_rate_warn: 0.2 is above dq_quarantine_rate_error "
        "(0.1); the warning threshold must not exceed the error one",
        "dbt_project.yml: vars.calendar_end_date: 2020-01-01 is not after calendar_start_date",
        "dbt_project.yml: vars.cdc_operation_codes.update: code 'X' also means insert",
        "dbt_project.yml: vars.governance_unmasked_roles: 'pii_readers' is not a key of "
        "governance_groups",
    ]
    assert project_vars.vars_problems({"dq_quarantine_rate_warn": 2}) == [
        "dbt_project.yml: vars.dq_quarantine_rate_warn: 2 is greater than the maximum of 1"
    ]


def test_vars_renamed_models_maps_names_to_names():
    assert project_vars.vars_problems({"renamed_models": {"fact_order": "fct_order"}}) == []
    assert project_vars.vars_problems({"renamed_models": {}}) == []
    assert project_vars.vars_problems({"renamed_models": None}) == []
    assert project_vars.vars_problems({"renamed_models": {"fact_order": ["fct_order"]}}) == [
        "dbt_project.yml: vars.renamed_models.fact_order: ['fct_order'] is not of type 'string'"
    ]
    assert project_vars.vars_problems({"renamed_models": ["fact_order"]}) == [
        "dbt_project.yml: vars.renamed_models: ['fact_order'] is not of type 'object', 'null'"
    ]


def _manifest(tmp_path: Path) -> dict:
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "countries.csv").write_text("country_code,country_name\nFR,France\n")

    def node(kind, name, columns, path=""):
        return {"resource_type": kind, "package_name": "shop", "name": name,
                "columns": {c: {} for c in columns}, "original_file_path": path}  # fmt: skip

    return {
        "metadata": {"project_name": "shop"},
        "nodes": {
            "model.shop.fct_sales": node("model", "fct_sales", ["net_amount", "order_id"]),
            "seed.shop.countries": node("seed", "countries", [], "seeds/countries.csv"),
            "model.other.fct_sales": node("model", "other_pkg_model", ["x"]),
        },
    }


GLOSSARY = """
version: 1
terms:
  - name: revenue
    definition: Net amount of revenue order lines.
    owner: finance
    domain: sales
    columns: [fct_sales.net_amount, fct_sales.gross_amount, fct_orders.revenue]
  - name: country
    definition: Country of the customer's address.
    owner: marketing
    domain: customer
    columns: [countries.country_name]
"""


def test_a_term_naming_a_missing_column_is_rejected(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_text(GLOSSARY)
    assert glossary_problems(path, _manifest(tmp_path)) == [
        "glossary.yml: terms[0].columns[1]: 'fct_sales.gross_amount': column 'gross_amount' "
        "is not declared in fct_sales's YAML (declare and describe it there, or fix the name)",
        "glossary.yml: terms[0].columns[2]: 'fct_orders.revenue': no model, snapshot or seed "
        "named 'fct_orders'",
    ]


def test_glossary_structure_problems_name_the_key(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_text(
        GLOSSARY.replace("    owner: marketing\n", "")
        .replace("[countries.country_name]", "[country_name]")
        .replace("name: country\n", "name: Revenue\n")
    )
    terms, problems = load_glossary(path)
    assert terms == []
    assert problems == [
        "glossary.yml: terms[1]: 'owner' is a required property",
        "glossary.yml: terms[1].columns[0]: 'country_name' does not match "
        "'^[a-z_][a-z0-9_]*\\\\.[a-z_][a-z0-9_]*$'",
    ]
    path.write_text(GLOSSARY.replace("name: country\n", "name: Revenue\n"))
    assert load_glossary(path)[1] == ["glossary.yml: terms[1].name: 'Revenue' is defined twice"]


def test_rendered_doc_blocks_are_committed_and_referenced():
    assert stale_docs_problem(ROOT) is None
    terms, problems = load_glossary(ROOT / "glossary.yml")
    assert problems == []
    rendered = (ROOT / DOCS_FILE).read_text()
    assert rendered == render_doc_blocks(terms)
    for name in ("revenue", "order", "active customer", "average order value", "DQ score"):
        assert f"{{% docs glossary__{name.lower().replace(' ', '_')} %}}" in rendered
    assert "{% docs __overview__ %}" in rendered
    assert (
        "doc('glossary__active_customer')" in (ROOT / "models/gold/_gold__models.yml").read_text()
    )


def test_stale_doc_blocks_are_a_problem(tmp_path):
    project = _project(tmp_path)
    assert stale_docs_problem(project) == (
        f"{DOCS_FILE}: out of date with glossary.yml; run `lakehouse-bi glossary docs`"
    )


def test_unknown_check_names_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="Unknown spec check"):
        run_checks(tmp_path, only=("dashboards-typo",))


def test_validate_cli_reports_every_problem_in_one_pass(tmp_path):
    project = _project(tmp_path)
    (project / "profiles.yml.example").write_text("lakehouse_bi: {outputs: {}}\n")
    text = (project / "dbt_project.yml").read_text()
    (project / "dbt_project.yml").write_text(
        text.replace("schema_evolution_mode: permissive", "schema_evolution_mode: loose")
    )
    result = CliRunner().invoke(
        main, ["validate", "--project-dir", str(project), "--only", "profiles", "--only", "vars"]
    )
    assert result.exit_code == SpecError.exit_code == 2
    assert "[profiles] profiles.yml.example: lakehouse_bi.outputs.prod: missing" in result.output
    assert "[vars] dbt_project.yml: vars.schema_evolution_mode: 'loose'" in result.output
    good = CliRunner().invoke(main, ["validate", "--project-dir", str(ROOT), "--only", "vars"])
    assert good.exit_code == 0 and "Specs valid: vars." in good.output
