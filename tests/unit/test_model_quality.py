"""Model documentation, grain and access rules that dbt_project_evaluator has no rule for
(lakehouse_bi.spec.model_quality): each rule fails on a hand-made manifest that breaks it and
passes once fixed; the project's own manifest breaks none. The rule "every model has a
description" moved to dbt_project_evaluator (fct_undocumented_models), whose failure on a
model without a description is tests/integration/test_evaluator_on_project.py's."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.spec import model_quality
from lakehouse_bi.spec.dbt_manifest import load_manifest
from lakehouse_bi.spec.model_quality import model_problems, quality_counts

ROOT = Path(__file__).resolve().parents[2]
YAML = "models/silver/_silver__models.yml"


def _model(name: str, columns: dict[str, str], grain: list[str] | None) -> dict:
    meta = {"grain": grain} if grain is not None else {}
    return {
        "unique_id": f"model.proj.{name}",
        "resource_type": "model",
        "package_name": "proj",
        "name": name,
        "description": f"The {name} table.",
        "original_file_path": f"models/silver/{name}.sql",
        "patch_path": f"proj://{YAML}",
        "columns": {
            column: {"name": column, "description": text} for column, text in columns.items()
        },
        "config": {"meta": meta, "group": "sales"},
        "group": "sales",
        "unrendered_config": {"access": "protected", "group": "sales"},
        "contract": {"enforced": False},
    }


def _test(name: str, model: str, test: str, namespace: str | None, **kwargs) -> dict:
    return {
        "unique_id": f"test.proj.{name}",
        "resource_type": "test",
        "package_name": "proj",
        "name": name,
        "attached_node": f"model.proj.{model}",
        "column_name": kwargs.get("column_name"),
        "depends_on": {"nodes": [f"model.proj.{model}"]},
        "test_metadata": {"name": test, "namespace": namespace, "kwargs": kwargs},
        "config": {"severity": "ERROR", "where": None},
    }


def _manifest() -> dict:
    """Two valid models: one grain column tested `unique`, one two-column grain tested with
    dbt_utils.unique_combination_of_columns; plus a package model the rules ignore."""
    orders = _model("orders", {"order_id": "Order key.", "status": "Order status."}, ["order_id"])
    lines = _model(
        "lines", {"order_id": "Order key.", "line_number": "Position."}, ["order_id", "line_number"]
    )
    package_model = {**_model("elementary_thing", {"x": ""}, None), "package_name": "elementary"}
    package_model["unique_id"] = "model.elementary.elementary_thing"
    nodes = {
        node["unique_id"]: node
        for node in (
            orders,
            lines,
            package_model,
            _test("unique_orders_order_id", "orders", "unique", None, column_name="order_id"),
            _test(
                "grain_lines", "lines", "unique_combination_of_columns", "dbt_utils",
                combination_of_columns=["line_number", "order_id"],
            ),
            _test("not_null_orders_status", "orders", "not_null", None, column_name="status"),
        )
    }  # fmt: skip
    return {"metadata": {"project_name": "proj"}, "nodes": nodes}


def _broken(change) -> list[str]:
    manifest = copy.deepcopy(_manifest())
    change(manifest["nodes"])
    return model_problems(manifest)


def test_a_manifest_following_every_rule_has_no_problem():
    assert model_problems(_manifest()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda n: n["model.proj.orders"]["columns"]["status"].update(description=""),
            "add a `description` to column status",
        ),
        (
            lambda n: n["model.proj.orders"]["config"].update(meta={}),
            "state the grain in `config.meta.grain`",
        ),
        (
            lambda n: n["model.proj.orders"]["config"].update(meta={"grain": "order_id"}),
            "state the grain in `config.meta.grain`",
        ),
        (
            lambda n: n.pop("test.proj.unique_orders_order_id"),
            "add a data test `unique` on column order_id",
        ),
        (
            lambda n: n["test.proj.grain_lines"]["test_metadata"]["kwargs"].update(
                combination_of_columns=["order_id"]
            ),
            "`dbt_utils.unique_combination_of_columns` on [order_id, line_number]",
        ),
        (
            lambda n: n["test.proj.unique_orders_order_id"]["config"].update(where="status = 'x'"),
            "add a data test `unique` on column order_id",
        ),
        (
            lambda n: n["test.proj.unique_orders_order_id"]["config"].update(severity="warn"),
            "add a data test `unique` on column order_id",
        ),
        (
            lambda n: n["model.proj.orders"]["config"]["meta"].update(grain=["order_key"]),
            "grain column(s) order_key are not declared",
        ),
        (lambda n: n["model.proj.orders"].update(group=None), "add `group`"),
        (lambda n: n["model.proj.orders"].update(unrendered_config={}), "set `access`"),
    ],
)
def test_each_rule_names_model_yaml_file_and_what_to_add(change, expected):
    problems = _broken(change)
    assert problems, "the broken manifest must fail"
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith(f"model orders ({YAML})") or "lines" in problem
               for problem in problems)  # fmt: skip


def test_built_columns_must_each_be_declared_with_a_description():
    built = {"orders": ["order_id", "status", "_ingested_at"], "lines": ["order_id", "line_number"]}
    problems = model_problems(_manifest(), built)
    assert problems == [
        f"model orders ({YAML}): column _ingested_at is built but not declared; add it under "
        "`columns:` with a description (a doc block for a shared column)."
    ]
    fixed = _manifest()
    fixed["nodes"]["model.proj.orders"]["columns"]["_ingested_at"] = {
        "name": "_ingested_at", "description": "When bronze ingested the file (UTC)."
    }  # fmt: skip
    assert model_problems(fixed, built) == []


def test_a_declared_column_the_relation_lacks_is_a_problem():
    built = {"orders": ["order_id"], "lines": ["order_id", "line_number"]}
    problems = model_problems(_manifest(), built)
    assert len(problems) == 1 and "column status is declared but the built relation" in problems[0]


def test_a_model_without_yaml_is_pointed_to_its_folder_file():
    manifest = _manifest()
    orders = manifest["nodes"]["model.proj.orders"]
    orders.update(patch_path=None, description="", group=None)
    problems = model_problems(manifest)
    assert problems == [
        "model orders (models/silver/_silver__models.yml (create it beside the model's SQL)): "
        "add `group` to the model's config (models/_groups.yml)."
    ]


def test_a_model_without_description_is_left_to_the_evaluator():
    manifest = _manifest()
    manifest["nodes"]["model.proj.orders"]["description"] = ""
    assert model_problems(manifest) == []
    assert quality_counts(manifest).models_described == 1


METRIC_VIEW_BODY = """{{ config(materialized='metric_view') }}
{#- a Jinja comment -#}
version: 1.1
source: {{ lakehouse.yaml_string(ref('orders')) }}
dimensions:
  - name: status
    expr: status
    comment: Order status.
measures:
  - name: orders
    expr: COUNT(DISTINCT order_id)
    comment: Distinct orders.
{%- if lakehouse.feature_enabled('x') %}
  - name: ratio
    expr: {{ lakehouse.yaml_string(lakehouse.divide_half_up('MEASURE(orders)', '2', 2)) }}
    comment: Half the orders.
{%- endif %}
"""


def _with_metric_view(body: str = METRIC_VIEW_BODY, columns: dict | None = None) -> dict:
    manifest = _manifest()
    node = _model("order_metrics", columns or {}, None)
    node.update(raw_code=body, original_file_path="models/gold/order_metrics.sql")
    node["config"]["materialized"] = "metric_view"
    manifest["nodes"][node["unique_id"]] = node
    return manifest


def test_a_metric_view_needs_no_grain_and_documents_its_fields_in_its_body():
    manifest = _with_metric_view()
    built = {"order_metrics": ["status", "order_id", "_ingested_at"]}  # DuckDB's data model
    assert model_problems(manifest) == model_problems(manifest, built) == []
    counts = quality_counts(manifest, built)
    assert (counts.models, counts.grain_tested_models, counts.columns) == (3, 3, 4)


@pytest.mark.parametrize(
    ("body", "columns", "expected"),
    [
        (METRIC_VIEW_BODY.replace("    comment: Half the orders.\n", ""), None,
         "add a `comment` to measure 'ratio' in models/gold/order_metrics.sql."),
        (METRIC_VIEW_BODY.replace("    comment: Order status.\n", ""), None,
         "add a `comment` to dimension 'status' in models/gold/order_metrics.sql."),
        (METRIC_VIEW_BODY, {"status": "Order status."},
         "remove `columns:` from the models YAML"),
        ("select 1 as x", None, "its body is not a metric view's YAML"),
    ],
)  # fmt: skip
def test_a_metric_view_without_comments_or_with_columns_is_a_problem(body, columns, expected):
    problems = model_problems(_with_metric_view(body, columns))
    assert len(problems) == 1 and problems[0].startswith(f"model order_metrics ({YAML}): ")
    assert expected in problems[0]


def test_counts_follow_the_manifest_and_the_built_columns():
    manifest = _manifest()
    manifest["nodes"]["model.proj.lines"]["contract"] = {"enforced": True}
    manifest["nodes"]["model.proj.lines"]["unrendered_config"] = {}
    manifest["nodes"]["model.proj.lines"]["columns"]["line_number"]["description"] = ""
    declared = quality_counts(manifest)
    assert declared.as_dict() == {
        "models": 2, "models_described": 2, "columns": 4, "documented_columns": 3,
        "tested_columns": 4, "contracted_models": 1, "models_with_uniqueness_test": 2,
        "grain_tested_models": 2, "models_with_group_and_access": 1, "built": False,
    }  # fmt: skip
    built = quality_counts(manifest, {"orders": ["order_id", "status", "extra"]})
    # orders' three built columns (extra undocumented, untested), lines' two declared ones
    # (both in its grain test).
    assert (built.columns, built.documented_columns, built.tested_columns) == (5, 3, 4)


def test_the_project_models_follow_every_rule():
    manifest = load_manifest(ROOT, "prod")
    assert model_problems(manifest) == []
    counts = quality_counts(manifest)
    assert counts.models >= 40
    assert counts.documented_columns == counts.columns
    assert counts.grain_tested_models == counts.models
    assert counts.models_with_group_and_access == counts.models


def test_validate_runs_the_check_and_the_report_prints_counts(monkeypatch):
    manifest = _manifest()
    manifest["nodes"]["model.proj.orders"]["description"] = ""
    manifest["nodes"]["model.proj.orders"]["unrendered_config"] = {}
    missing_access = (
        f"model orders ({YAML}): set `access` (private, protected or public) in the model's config."
    )
    monkeypatch.setattr(model_quality, "load_manifest", lambda project_dir, target: manifest)
    assert model_quality.spec_problems(ROOT) == [missing_access]
    from lakehouse_bi.spec import models_command

    monkeypatch.setattr(models_command, "load_manifest", lambda project_dir, target: manifest)
    result = CliRunner().invoke(main, ["models", "report", "--json", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["counts"]["models"] == 2
    assert payload["counts"]["models_described"] == 1
    assert payload["problems"] == [missing_access]
    text = CliRunner().invoke(main, ["models", "report", "--project-dir", str(ROOT)])
    assert "models with a description: 1 (50 %)" in text.output
    assert "problems: 1 (naming, folders, DAG, model descriptions: --evaluate)" in text.output


def test_the_report_lists_the_evaluator_violations_with_evaluate(monkeypatch):
    from lakehouse_bi.spec import models_command, project_evaluator

    manifest = _manifest()
    run = project_evaluator.EvaluatorRun(
        violations=[
            project_evaluator.Violation(
                "fct_undocumented_models", {"resource_name": "orders", "model_type": "marts"}
            )
        ],
        rules_checked=29,
    )
    monkeypatch.setattr(models_command, "load_manifest", lambda project_dir, target: manifest)
    monkeypatch.setattr(models_command, "run_evaluator", lambda project_dir: run)
    result = CliRunner().invoke(
        main, ["models", "report", "--evaluate", "--json", "--project-dir", str(ROOT)]
    )
    assert result.exit_code == 0, result.output
    (problem,) = json.loads(result.output)["problems"]
    assert problem.startswith(
        "dbt_project_evaluator fct_undocumented_models (Undocumented models): model orders."
    )
