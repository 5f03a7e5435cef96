"""Dashboard spec files, dashboard files and exposures: validation names the file and key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from lakehouse_bi.deploy.dashboard_checks import spec_problems, tables_read
from lakehouse_bi.deploy.dashboard_files import (
    bind_parameters,
    load_dashboard,
    qualify_tables,
    table_references,
)
from lakehouse_bi.deploy.dashboard_specs import load_specs, quartz_cron
from lakehouse_bi.deploy.dashboard_targets import target_location
from lakehouse_bi.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]
SPECS = Path("resources/dashboards/specs")


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of what the checks read: dbt_project.yml, the dashboards and the exposures."""
    shutil.copy(PROJECT / "dbt_project.yml", tmp_path / "dbt_project.yml")
    shutil.copytree(PROJECT / "resources/dashboards", tmp_path / "resources/dashboards")
    (tmp_path / "models/gold").mkdir(parents=True)
    shutil.copy(PROJECT / "models/gold/_gold__exposures.yml", tmp_path / "models/gold")
    return tmp_path


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_project_is_valid():
    assert spec_problems(PROJECT) == []


def test_the_seed_values_are_the_specs():
    specs = load_specs(PROJECT)
    assert specs.parameters.date_range.start_default == "-30d"
    assert specs.parameters.date_range.end_default == "today"
    assert [f.keyword for f in specs.parameters.filters] == ["country", "channel", "category"]
    assert {k: v.cron for k, v in specs.schedules.schedules.items()} == {
        "Sales Overview": "0 */2 * * *",
        "Executive Summary": "0 6 * * *",
    }
    alert = specs.alerts.alerts["sales_drop_alert"]
    assert (alert.operator, alert.threshold, alert.comparison) == (
        "LESS_THAN",
        -0.2,
        "previous_day",
    )


def test_schema_errors_name_file_and_key(project):
    _edit_yaml(project / SPECS / "refresh_schedules.yml",
               lambda d: d["schedules"]["Sales Overview"].update(cron="0 */2 * *"))  # fmt: skip
    _edit_yaml(project / SPECS / "alert_definitions.yml",
               lambda d: d["sales_drop_alert"].update(recipents=["x@example.com"]))  # fmt: skip
    _edit_yaml(project / SPECS / "dashboard_parameters.yml",
               lambda d: d["date_range"].update(start_default="last month"))  # fmt: skip

    problems = spec_problems(project)

    assert any(
        p.startswith(f"{SPECS}/refresh_schedules.yml: schedules.Sales Overview.cron: ")
        and "is not a five-field cron" in p
        for p in problems
    ), problems
    assert (
        f"{SPECS}/alert_definitions.yml: sales_drop_alert.recipents: Extra inputs are not permitted"
        in problems
    )
    assert any(
        p.startswith(f"{SPECS}/dashboard_parameters.yml: date_range.start_default:")
        for p in problems
    )
    with pytest.raises(
        ConfigError, match=r"refresh_schedules\.yml: schedules\.Sales Overview\.cron"
    ):
        load_specs(project)


def test_cross_file_problems(project):
    _edit_yaml(project / SPECS / "dashboard_permissions.yml",
               lambda d: d["Sales Overview"].update(view=["nobody"]))  # fmt: skip
    extra = {"Sales Overviews": {"cron": "0 * * * *"}}
    _edit_yaml(project / SPECS / "refresh_schedules.yml", lambda d: d["schedules"].update(extra))
    (project / "resources/dashboards/orphan.lvdash.json").write_text("{}")

    problems = spec_problems(project)

    assert (
        f"{SPECS}/dashboard_permissions.yml: Sales Overview.view: unknown role 'nobody' "
        "(roles: dbt_project.yml vars.governance_groups)"
    ) in problems
    assert any(
        p.startswith(f"{SPECS}/refresh_schedules.yml: Sales Overviews: not a dashboard")
        for p in problems
    )
    assert (
        f"resources/dashboards/orphan.lvdash.json: no entry in {SPECS}/dashboard_permissions.yml "
        "(every dashboard needs one)"
    ) in problems


def test_dashboard_file_problems(project):
    def break_sales(doc):
        dataset = doc["datasets"][0]
        dataset["parameters"][0]["defaultSelection"]["range"]["min"]["value"] = "now-7d/d"
        dataset["queryLines"].append("  and region = :region\n")
        dataset["parameters"][1]["dataType"] = "INTEGER"
        dataset["queryLines"][dataset["queryLines"].index("from sales_metrics\n")] = (
            "from ${silver}.sales_metrics\n"
        )
        doc["datasets"][1]["queryLines"][
            doc["datasets"][1]["queryLines"].index("from sales_metrics\n")
        ] = "from gold.sales_metrics\n"
        doc["datasets"][2]["schema"] = "silver"
        doc["pages"][0]["layout"][2]["widget"]["name"] = doc["pages"][0]["layout"][1]["widget"][
            "name"
        ]

    _edit_json(project / "resources/dashboards/sales_overview.lvdash.json", break_sales)
    where = "resources/dashboards/sales_overview.lvdash.json"

    problems = spec_problems(project)

    assert (
        f"{where}: datasets.sales_daily.parameters.date_range.defaultSelection: "
        "{'min': 'now-7d/d', 'max': 'now/d'}, expected min 'now-30d/d', max 'now/d' "
        f"({SPECS}/dashboard_parameters.yml)"
    ) in problems
    assert (
        f"{where}: datasets.sales_daily: "
        "SQL uses :region but the dataset declares no such parameter" in problems
    )
    assert (
        f"{where}: datasets.sales_daily: placeholder ${{silver}} in its SQL: the bundle deploys "
        "the file as it is; name tables unqualified and set the dataset's schema" in problems
    )
    assert (
        f"{where}: datasets.sales_kpis: table 'gold' is qualified; dataset_catalog / "
        "dataset_schema (set per target by the bundle) only reach unqualified names" in problems
    )
    assert (
        f"{where}: datasets.sales_by_country.schema: 'silver', expected the layer it reads "
        "(gold, observability; the bundle sets the target's schema)" in problems
    )
    assert (
        f"{where}: datasets read different schemas (gold, gold, gold, gold, gold, silver); "
        "the bundle's dataset_schema is one per dashboard" in problems
    )
    assert (
        f"{where}: widget name 'revenue_total' is not unique (Lakeview rejects duplicates)"
        in problems
    )
    assert (
        f"{where}: datasets.sales_daily.parameters.country.dataType: 'INTEGER', expected 'STRING'"
    ) in problems


def test_exposures_must_match_the_tables_a_dashboard_reads(project):
    only_summary = {"depends_on": ["ref('executive_summary')"]}
    _edit_yaml(project / "models/gold/_gold__exposures.yml",
               lambda d: d["exposures"][1].update(only_summary))  # fmt: skip
    problems = spec_problems(project)
    assert problems == [
        "models/gold/_gold__exposures.yml: executive_summary_dashboard.depends_on: "
        "['executive_summary'], but resources/dashboards/executive_summary.lvdash.json reads "
        "['executive_summary', 'sales_metrics']"
    ]
    assert tables_read(load_dashboard(PROJECT, "Pipeline Health")) == {
        "pipeline_health",
        "dq_scores",
    }


@pytest.mark.parametrize(
    ("cron", "quartz"),
    [
        ("0 */2 * * *", "0 0 */2 * * ?"),
        ("0 6 * * *", "0 0 6 * * ?"),
        ("30 5 * * MON-FRI", "0 30 5 ? * MON-FRI"),
        ("15 1 1 * *", "0 15 1 1 * ?"),
    ],
)
def test_quartz_cron(cron, quartz):
    assert quartz_cron(cron) == quartz


def test_quartz_cron_refuses_both_day_fields():
    with pytest.raises(ConfigError, match="sets both day-of-month and day-of-week"):
        quartz_cron("0 6 1 * MON")


def test_target_locations_follow_the_profile(monkeypatch, tmp_path):
    shutil.copy(PROJECT / "profiles.yml.example", tmp_path / "profiles.yml")
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    monkeypatch.delenv("DATABRICKS_CATALOG", raising=False)
    monkeypatch.setenv("USER", "ana")
    monkeypatch.delenv("DATABRICKS_SCHEMA", raising=False)

    assert target_location(PROJECT, "local").placeholders == {
        "gold": "gold", "observability": "observability",
    }  # fmt: skip
    assert target_location(PROJECT, "prod").placeholders["gold"] == "lakehouse_bi_prod.gold"
    assert target_location(PROJECT, "dev").placeholders == {
        "gold": "lakehouse_bi_dev.dev_ana_gold",
        "observability": "lakehouse_bi_dev.dev_ana_observability",
    }
    monkeypatch.setenv("DATABRICKS_CATALOG", "sales-lake")
    assert target_location(PROJECT, "staging").placeholders["gold"] == "`sales-lake`.gold"
    with pytest.raises(ConfigError, match="no target 'qa'"):
        target_location(PROJECT, "qa")


def test_qualify_tables_prefixes_unqualified_tables_only():
    sql = (
        "with recent as (select * from sales_dashboard_metrics)\n"
        "select 'from x' as note, r.* from recent as r\n"
        "join fct_sales as f on true left join gold.dim_date as d on true"
    )
    assert qualify_tables(sql, "lakehouse_bi_prod.gold") == (
        "with recent as (select * from lakehouse_bi_prod.gold.sales_dashboard_metrics)\n"
        "select 'from x' as note, r.* from recent as r\n"
        "join lakehouse_bi_prod.gold.fct_sales as f on true left join gold.dim_date as d on true"
    )
    assert table_references(sql) == [
        ("sales_dashboard_metrics", False), ("fct_sales", False), ("gold", True),
    ]  # fmt: skip


def test_bind_parameters_leaves_casts_and_strings_of_other_shapes():
    sql = "select x::date, :a, :r.min, :r.max from t where y = ':a'"
    bound = bind_parameters(
        sql, {"a": "'A'", "r.min": "DATE '2025-01-01'", "r.max": "DATE '2025-01-31'"}
    )
    assert bound == (
        "select x::date, 'A', DATE '2025-01-01', DATE '2025-01-31' from t where y = ':a'"
    )
    with pytest.raises(ConfigError, match=r"SQL parameter :b has no value"):
        bind_parameters("select :b", {})


def test_preview_reads_the_exported_text_box_lines():
    """Exported text boxes end each line in "\\n" with blank lines between paragraphs; the
    preview's heading and paragraphs are the text without them."""
    from lakehouse_bi.deploy.preview import _text_lines

    title, *paragraphs = _text_lines(load_dashboard(PROJECT, "Sales Overview"))
    assert title == "Sales Overview"
    assert len(paragraphs) == 1 and paragraphs[0].startswith("Revenue-bearing")
