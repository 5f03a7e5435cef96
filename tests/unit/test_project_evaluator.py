"""dbt Labs' project evaluator wiring (lakehouse_bi.spec.project_evaluator), offline: the rule
table against the installed package, the exceptions seed's checks, how a run's results become
violations and errors, the CLI's message, and that the pipeline's manifest leaves the package
disabled. The evaluator's real runs (on the project, on a broken copy) are
tests/integration/test_evaluator_on_project.py's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.spec import models_command
from lakehouse_bi.spec.dbt_manifest import load_manifest
from lakehouse_bi.spec.project_evaluator import (
    ENABLE_VAR,
    EXCEPTIONS_FILE,
    PACKAGE,
    RULES,
    EvaluatorRun,
    Violation,
    exception_problems,
    read_exceptions,
    resource_names,
    violations_from,
)

ROOT = Path(__file__).resolve().parents[2]
INSTALLED = ROOT / "dbt_packages" / PACKAGE


def test_every_fct_model_of_the_installed_package_is_a_known_rule():
    assert (INSTALLED / "dbt_project.yml").is_file(), "run `lakehouse-bi deps`"
    fct_models = {path.stem for path in (INSTALLED / "models" / "marts").rglob("fct_*.sql")}
    assert fct_models == set(RULES)
    # Each subject and fix names only columns of its fct model.
    for name, rule in RULES.items():
        row = dict.fromkeys(rule.columns, "x")
        assert Violation(name, row).subject
        assert str(Violation(name, row)).startswith(f"{name} ({rule.title}): ")


def test_the_project_exceptions_are_valid_and_none_is_stale():
    rows = read_exceptions(ROOT)
    assert rows, "the project excuses its reconciliations, dashboard marts, ... with reasons"
    names = resource_names(load_manifest(ROOT, "prod"))
    assert {"dim_date", "audit.dbt_invocation_log", "pipeline_health_dashboard"} <= names
    assert exception_problems(rows, names) == []


def _row(**changes: str) -> dict[str, str]:
    row = {
        "fct_name": "fct_root_models",
        "column_name": "child",
        "id_to_exclude": "dim_date",
        "comment": "Calendar generated between two vars: no upstream data by design.",
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(fct_name="fct_root_model"), "fct_name 'fct_root_model' is no rule"),
        (_row(fct_name="fct_test_coverage"), "fct_name 'fct_test_coverage' is no rule"),
        (_row(column_name="resource_name"), "fct_root_models has no column 'resource_name'"),
        (_row(id_to_exclude=" "), "id_to_exclude is empty"),
        (_row(id_to_exclude="dim_calendar"), "'dim_calendar' matches no model"),
        (_row(comment="because"), "the comment must say why"),
    ],
)
def test_each_bad_exception_row_is_named_by_line(row, expected):
    problems = exception_problems([_row(id_to_exclude="stg_%"), row], {"dim_date", "stg_a"})
    assert len(problems) == 1 and problems[0].startswith(f"{EXCEPTIONS_FILE}:3: ")
    assert expected in problems[0]


def test_like_patterns_and_repeats():
    names = {"stg_landing__orders", "audit.dbt_invocation_log"}
    rows = [
        _row(fct_name="fct_model_directories", column_name="resource_name",
             id_to_exclude="stg_landing__%"),
        _row(fct_name="fct_source_directories", column_name="resource_name",
             id_to_exclude="audit.%"),
        _row(fct_name="fct_source_directories", column_name="resource_name",
             id_to_exclude="audit.%"),
        # LIKE is case-sensitive on both engines: this row would excuse nothing.
        _row(fct_name="fct_source_directories", column_name="resource_name",
             id_to_exclude="AUDIT.%"),
    ]  # fmt: skip
    assert exception_problems(rows, names) == [
        f"{EXCEPTIONS_FILE}:4: repeats an earlier row (fct_source_directories, resource_name, "
        "audit.%).",
        f"{EXCEPTIONS_FILE}:5: 'AUDIT.%' matches no model, snapshot, seed, source or exposure "
        "of the project; remove the stale exception.",
    ]


def test_a_seed_with_another_header_is_a_config_error(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / EXCEPTIONS_FILE).write_text("fct_name,column_name,id_to_exclude\n")
    with pytest.raises(ConfigError, match="header"):
        read_exceptions(tmp_path)
    (tmp_path / EXCEPTIONS_FILE).unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        read_exceptions(tmp_path)


def _manifest() -> dict:
    def fct(name: str) -> dict:
        return {
            "unique_id": f"model.{PACKAGE}.{name}", "name": name, "package_name": PACKAGE,
            "resource_type": "model", "relation_name": f'"evaluator"."main"."{name}"',
        }  # fmt: skip

    def test(name: str, model: str) -> dict:
        return {
            "unique_id": f"test.{PACKAGE}.{name}", "name": name, "package_name": PACKAGE,
            "resource_type": "test", "attached_node": f"model.{PACKAGE}.{model}",
            "depends_on": {"nodes": [f"model.{PACKAGE}.{model}"]},
        }  # fmt: skip

    nodes = [
        fct("fct_staging_dependent_on_staging"),
        fct("fct_root_models"),
        test("is_empty_fct_staging_dependent_on_staging_", "fct_staging_dependent_on_staging"),
        test("is_empty_fct_root_models_", "fct_root_models"),
    ]
    return {"nodes": {node["unique_id"]: node for node in nodes}}


def test_failed_tests_become_one_violation_per_row_and_errors_are_kept():
    rows = {
        '"evaluator"."main"."fct_staging_dependent_on_staging"': [
            {"parent": "stg_a", "parent_model_type": "staging", "child": "stg_b",
             "child_model_type": "staging"},
        ],
    }  # fmt: skip
    results = {
        "results": [
            {"unique_id": f"test.{PACKAGE}.is_empty_fct_staging_dependent_on_staging_",
             "status": "fail"},
            {"unique_id": f"test.{PACKAGE}.is_empty_fct_root_models_", "status": "pass"},
            {"unique_id": f"model.{PACKAGE}.fct_root_models", "status": "error",
             "message": "Binder Error:\n  no column child"},
        ]
    }  # fmt: skip
    violations, errors = violations_from(results, _manifest(), rows.get)
    assert [str(v) for v in violations] == [
        "fct_staging_dependent_on_staging (Staging models dependent on other staging models): "
        "staging model stg_b reads staging model stg_a. What to do: a staging model reads only "
        "its bronze model: join in an int_ model (models/silver/intermediate/), or rename the "
        "model for the layer it belongs to; or, where the design wants it, add a row with the "
        f"reason to {EXCEPTIONS_FILE} (docs/ARCHITECTURE.md, 'Documentation, grain and access "
        "rules')."
    ]
    assert violations[0].as_dict()["subject"] == "staging model stg_b reads staging model stg_a"
    assert errors == [
        f"the evaluator's run failed on model.{PACKAGE}.fct_root_models: Binder Error: no "
        "column child (dbt log: target/project_evaluator/logs/dbt.log, or the --work-dir given)."
    ]


def test_the_coverage_rules_say_no_exception_helps():
    violation = Violation(
        "fct_documentation_coverage",
        {"total_models": 43, "documented_models": 42, "documentation_coverage_pct": 97.67},
    )
    assert str(violation) == (
        "fct_documentation_coverage (Documentation coverage): 42 of 43 models described. "
        "What to do: describe every model (each is listed under fct_undocumented_models)."
    )


def test_evaluate_fails_listing_each_violation_and_passes_when_clean(monkeypatch):
    broken = EvaluatorRun(
        violations=[Violation("fct_root_models", {"child": "dim_calendar"})],
        errors=[f"{EXCEPTIONS_FILE}:2: the comment must say why ..."],
        rules_checked=29,
    )
    monkeypatch.setattr(models_command, "run_evaluator", lambda root, work_dir: broken)
    result = CliRunner().invoke(main, ["models", "evaluate", "--project-dir", str(ROOT)])
    assert result.exit_code == ConfigError.exit_code
    assert "dbt_project_evaluator: 1 broken rule(s), 1 other problem(s):" in result.output
    assert "  - fct_root_models (Root models): model dim_calendar has no ref() or source()." in (
        result.output
    )
    assert f"  - {EXCEPTIONS_FILE}:2: the comment must say why" in result.output
    as_json = CliRunner().invoke(main, ["models", "evaluate", "--json", "--project-dir", str(ROOT)])
    payload, _ = json.JSONDecoder().raw_decode(as_json.output)  # the error message follows
    assert payload["violations"][0]["rule"] == "fct_root_models"
    clean = EvaluatorRun(rules_checked=29, duration_seconds=31.2)
    monkeypatch.setattr(models_command, "run_evaluator", lambda root, work_dir: clean)
    result = CliRunner().invoke(main, ["models", "evaluate", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "dbt_project_evaluator: 29 rules, no violation (31 s;" in result.output


def test_the_pipeline_never_builds_the_evaluator():
    """Without the var (any target: `dbt build`, the jobs), every node of the package and the
    exceptions seed are disabled; the var is off in dbt_project.yml."""
    manifest = load_manifest(ROOT, "prod")
    enabled = [
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if (node["package_name"] == PACKAGE or node["name"] == "dbt_project_evaluator_exceptions")
        and node["config"].get("enabled", True)
    ]
    assert enabled == []
    disabled = {node[0]["unique_id"] for node in manifest["disabled"].values()}
    assert f"model.{PACKAGE}.fct_undocumented_models" in disabled
    assert "seed.lakehouse_bi.dbt_project_evaluator_exceptions" in disabled
    assert f"{ENABLE_VAR}: false" in (ROOT / "dbt_project.yml").read_text()
