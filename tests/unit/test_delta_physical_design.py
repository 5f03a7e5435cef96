"""spec_problems of the Delta physical design and retention policy (lakehouse_bi.delta)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lakehouse_bi.delta.physical_design import check_physical_design, spec_problems
from lakehouse_bi.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's dbt_project.yml and models/, to break one key at a time."""
    shutil.copy(PROJECT / "dbt_project.yml", tmp_path / "dbt_project.yml")
    shutil.copytree(PROJECT / "models", tmp_path / "models")
    return tmp_path


def _edit_project(project: Path, edit) -> None:
    path = project / "dbt_project.yml"
    document = yaml.safe_load(path.read_text())
    edit(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _edit_model_yaml(project: Path, relative: str, model: str, edit) -> None:
    path = project / relative
    document = yaml.safe_load(path.read_text())
    entry = next(m for m in document["models"] if m["name"] == model)
    edit(entry)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_the_project_design_is_valid():
    assert spec_problems(PROJECT) == []
    check_physical_design(PROJECT)  # no error


def test_the_policy_is_the_seeds_retention_per_layer():
    policy = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]["retention_policy"]
    assert {layer: p["retention_days"] for layer, p in policy.items()} == {
        "bronze": 90,
        "silver": 730,
        "gold": 1095,
    }


def test_vacuum_below_168_hours_is_a_problem_naming_the_key(project):
    _edit_project(
        project, lambda d: d["vars"]["retention_policy"]["gold"].update(vacuum_retain_hours=100)
    )
    problems = spec_problems(project)
    assert any(
        p.startswith("dbt_project.yml: vars.retention_policy.gold.vacuum_retain_hours:")
        and "168" in p
        and "100" in p
        for p in problems
    ), problems
    with pytest.raises(ConfigError, match="vacuum_retain_hours"):
        check_physical_design(project)


def test_vacuum_hours_must_match_the_layers_deleted_file_retention(project):
    _edit_project(
        project, lambda d: d["vars"]["retention_policy"]["silver"].update(vacuum_retain_hours=400)
    )
    assert spec_problems(project) == [
        "dbt_project.yml: models.lakehouse_bi.silver.+tblproperties."
        "delta.deletedFileRetentionDuration: must be 'interval 400 hours' "
        "(vars.retention_policy.silver.vacuum_retain_hours, which predictive optimization's "
        "VACUUM honours), got 'interval 336 hours'"
    ]


def test_log_retention_shorter_than_deleted_file_retention(project):
    _edit_project(
        project,
        lambda d: d["models"]["lakehouse_bi"]["gold"]["+tblproperties"].update(
            {"delta.logRetentionDuration": "interval 7 days"}
        ),
    )
    problems = spec_problems(project)
    assert len(problems) == 1 and "gold.+tblproperties.delta.logRetentionDuration" in problems[0]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda p: p["gold"].update(retention_days=0),
            "vars.retention_policy.gold.retention_days: must be a whole number of days >= 1",
        ),
        (
            lambda p: p.update(platinum={"retention_days": 1, "vacuum_retain_hours": 168}),
            "vars.retention_policy.platinum: no such layer",
        ),
        (
            lambda p: p["silver"].update(tables={"fct_order": {"column": "_ingested_at"}}),
            "vars.retention_policy.silver.tables: tables now say their retention in meta",
        ),
    ],
    ids=["zero-days", "layer", "old-table-list"],
)
def test_retention_policy_problems(project, edit, expected):
    _edit_project(project, lambda d: edit(d["vars"]["retention_policy"]))
    problems = spec_problems(project)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith("dbt_project.yml: ")


def _drop_folder_meta(document: dict) -> None:
    document["models"]["lakehouse_bi"]["silver"].pop("+meta")


@pytest.mark.parametrize(
    ("yaml_file", "model", "edit", "expected"),
    [
        (
            "models/gold/_gold__models.yml",
            "fct_sales",
            lambda m: m["config"]["meta"].pop("retention_column"),
            "model fct_sales (_gold__models.yml): a table of layer gold "
            "(dbt_project.yml: vars.retention_policy.gold) needs meta.retention_column",
        ),
        (
            "models/gold/_gold__models.yml",
            "fct_sales",
            lambda m: m["config"]["meta"].update(retention_column="order_day"),
            "model fct_sales (_gold__models.yml): meta.retention_column 'order_day' is not a "
            "column of fct_sales",
        ),
        (
            "models/gold/_gold__models.yml",
            "dim_date",
            lambda m: m["config"]["meta"].update(retention_exempt=""),
            "model dim_date (_gold__models.yml): meta.retention_exempt must give the reason it "
            "keeps its rows",
        ),
    ],
    ids=["no-column", "unknown-column", "no-reason"],
)
def test_table_retention_problems(project, yaml_file, model, edit, expected):
    _edit_model_yaml(project, yaml_file, model, edit)
    problems = spec_problems(project)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_silver_table_inherits_its_folders_retention_column(project):
    """Silver's `+meta: {retention_column: _ingested_at}` covers fct_order; without it, every
    silver table that is not exempt is reported."""
    _edit_project(project, _drop_folder_meta)
    problems = spec_problems(project)
    assert any(p.startswith("model fct_order (") for p in problems), problems
    assert not any("dim_customer" in p for p in problems), "exempt tables need no column"


@pytest.mark.parametrize(
    ("model", "config", "expected"),
    [
        (
            "fct_sales",
            {
                "liquid_clustered_by": [
                    "order_date",
                    "country_code",
                    "customer_id",
                    "product_id",
                    "brand",
                ]
            },
            "models.fct_sales.config.liquid_clustered_by: at most 4 columns, got 5",
        ),
        (
            "fct_sales",
            {"liquid_clustered_by": ["order_day"]},
            "models.fct_sales.config.liquid_clustered_by: ['order_day'] not among the columns",
        ),
        (
            "fct_sales",
            {"auto_liquid_cluster": True},
            "models.fct_sales.config: set liquid_clustered_by or auto_liquid_cluster, not both",
        ),
        (
            "fct_sales",
            {"zorder": ["customer_id"]},
            "models.fct_sales.config.zorder: ignored together with liquid clustering",
        ),
        (
            "executive_summary",
            {"liquid_clustered_by": ["period_start"]},
            "models.executive_summary.config.liquid_clustered_by: a view cannot be clustered",
        ),
    ],
    ids=["too-many", "unknown-column", "liquid-and-auto", "zorder-and-liquid", "view"],
)
def test_clustering_problems(project, model, config, expected):
    _edit_model_yaml(
        project,
        "models/gold/_gold__models.yml",
        model,
        lambda entry: entry.setdefault("config", {}).update(config),
    )
    problems = spec_problems(project)
    assert len(problems) == 1, problems
    assert problems[0] == f"models/gold/_gold__models.yml: {expected}" or (
        problems[0].startswith("models/gold/_gold__models.yml: ") and expected in problems[0]
    ), problems


def test_predictive_optimization_must_be_booleans(project):
    _edit_project(project, lambda d: d["vars"]["predictive_optimization"].update(prod="yes"))
    assert spec_problems(project) == [
        "dbt_project.yml: vars.predictive_optimization.prod: must be true or false, got 'yes'"
    ]


def test_missing_project_file(tmp_path):
    assert spec_problems(tmp_path) == [
        f"{tmp_path / 'dbt_project.yml'}: not found (is {tmp_path} a dbt project?)"
    ]
