"""dbt Labs' project evaluator run for real (lakehouse_bi.spec.project_evaluator): the project
passes it with its listed exceptions, and a copy with a model left undescribed, a staging model
reading another staging model and an exception removed fails it, each violation naming its
rule and model. Each run is a `dbt build` of the evaluator alone on a scratch DuckDB file (no
landing data: the package reads the graph)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from project_copy import ROOT, copy_project

from lakehouse_bi.spec.project_evaluator import EXCEPTIONS_FILE, RULES, run_evaluator


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("evaluator_clean")
    return work, run_evaluator(ROOT, work)


def test_the_project_passes_every_rule_with_its_exceptions(clean_run):
    work, run = clean_run
    assert run.problems() == []
    # Every test of the package ran: 27 rules over fct models plus the two coverage targets.
    assert run.rules_checked == len(RULES) == 29
    # The rule table's columns are the fct models' (what an exception's column_name may be).
    with duckdb.connect(str(work / "evaluator.duckdb"), read_only=True) as connection:
        built = {}
        for table, column in connection.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_name like 'fct_%'"
        ).fetchall():
            built.setdefault(table, set()).add(column)
        # The layer types reach the evaluator: one coverage column per configured type.
        coverage = connection.execute(
            "select documentation_coverage_pct, bronze_documentation_coverage_pct, "
            "quality_documentation_coverage_pct, observability_documentation_coverage_pct "
            "from fct_documentation_coverage"
        ).fetchone()
    assert set(built) == set(RULES)
    for name, rule in RULES.items():
        assert set(rule.columns) <= built[name], name
    assert coverage == (100, 100, 100, 100)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: {old!r} not found"
    path.write_text(text.replace(old, new, 1))


def test_a_broken_copy_fails_naming_each_rule_and_model(tmp_path):
    project = copy_project(tmp_path / "project")
    # 1. stg_landing__orders loses its description.
    staging = project / "models/silver/staging/_staging__models.yml"
    described = re.search(
        r"  - name: stg_landing__orders\n    description: .*\n", staging.read_text()
    )
    assert described, "stg_landing__orders' description"
    _edit(staging, described.group(0), "  - name: stg_landing__orders\n")
    # 2. A staging model reads another staging model.
    _edit(
        project / "models/silver/staging/stg_landing__order_lines.sql",
        "with landed as (",
        "-- depends_on: {{ ref('stg_landing__orders') }}\nwith landed as (",
    )
    # 3. dim_date's exception is removed: the rule applies again.
    _edit(project / EXCEPTIONS_FILE, next(
        line + "\n" for line in (project / EXCEPTIONS_FILE).read_text().splitlines()
        if line.startswith("fct_root_models,child,dim_date,")
    ), "")  # fmt: skip
    run = run_evaluator(project, tmp_path / "work")
    assert run.errors == []
    found = {(v.rule, v.subject) for v in run.violations}
    (coverage,) = [v.row for v in run.violations if v.rule == "fct_documentation_coverage"]
    models = coverage["total_models"]
    assert models >= 40 and coverage["documented_models"] == models - 1
    assert found == {
        ("fct_undocumented_models", "model stg_landing__orders"),
        ("fct_documentation_coverage", f"{models - 1} of {models} models described"),
        (
            "fct_staging_dependent_on_staging",
            "staging model stg_landing__order_lines reads staging model stg_landing__orders",
        ),
        ("fct_root_models", "model dim_date has no ref() or source()"),
    }
    lines = run.problems()
    assert any(
        line.startswith("fct_undocumented_models (Undocumented models): model "
                        "stg_landing__orders. What to do: add a `description`")
        for line in lines
    ), lines  # fmt: skip
