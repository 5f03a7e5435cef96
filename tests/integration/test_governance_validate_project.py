"""Bad policies planted in a temp copy of the project are rejected before any warehouse sees
them: by `lakehouse-bi validate governance` (dbt parse of a Databricks target, offline) and
by the dbt macros themselves (the on-run-start validation), each naming the file and key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SILVER_YAML = "models/silver/_silver__models.yml"
GOLD_YAML = "models/gold/_gold__models.yml"
SEEDS_YAML = "seeds/_governance__seeds.yml"
SNAPSHOTS_YAML = "snapshots/_snapshots.yml"

# file -> (text in the project, planted replacement, what the validator must say about it)
PLANTS = {
    "unknown mask": (
        SILVER_YAML,
        "var('governance_schema') }}.mask_email\"",
        "var('governance_schema') }}.mask_emial\"",
        f"{SILVER_YAML}: models[dim_customer].columns[email].column_mask.function: "
        "unknown mask 'mask_emial'",
    ),
    "missing column": (
        GOLD_YAML,
        'row_access_by_country"\n        columns: [country_code]\n'
        "      # Dashboards filter by date range",
        'row_access_by_country"\n        columns: [region]\n'
        "      # Dashboards filter by date range",
        f"{GOLD_YAML}: models[fct_sales].config.row_filter.columns[0]: column region is not "
        "declared in the columns of fct_sales",
    ),
    "unknown group": (
        SEEDS_YAML,
        "select: [data_engineers, admins]",
        "select: [data_engineers, admin]",
        f"{SEEDS_YAML}: seeds[region_access].config.grants.select: unknown group role 'admin'",
    ),
    "not a plain identifier": (
        "dbt_project.yml",
        "bi_viewers: lakehouse_bi_bi_viewers",
        'bi_viewers: "lakehouse_bi_bi_viewers\'; drop table x; --"',
        "dbt_project.yml: vars.governance_groups.bi_viewers: "
        '"lakehouse_bi_bi_viewers\'; drop table x; --" is not a plain SQL identifier',
    ),
}


# Bad policies the validator finds through lineage (issue 24). None of them stops the project
# from compiling, so the scratch compile that yields the column lineage still runs.
LINEAGE_PLANTS = {
    "unclassified snapshot column": (
        SNAPSHOTS_YAML,
        "description: \"{{ doc('col__email') }}\"\n        meta: {classification: pii}\n",
        "description: \"{{ doc('col__email') }}\"\n",
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].columns[email].meta.classification: "
        "column lineage: reads model int_customers__current.email (classified pii), so it "
        "holds pii data, but has no classification",
    ),
    "snapshots granted to analysts": (
        "dbt_project.yml",
        "    # Full customer history in clear: raw-PII roles only, in every environment.\n"
        "    +grants:\n"
        '      select: ["data_engineers", "admins"]\n',
        '    +grants:\n      select: ["data_engineers", "admins", "analysts"]\n',
        f"{SNAPSHOTS_YAML}: snapshots[snap_customers].columns[phone].column_mask: pii column "
        "readable by analysts (grants.select) without a mask",
    ),
    "overlay without row filter": (
        GOLD_YAML,
        "      row_filter:\n        function: \"{{ target.database }}.{{ var('governance_schema') "
        '}}.row_access_by_country"\n        columns: [country_code]\n      # Read like fct_sales',
        "      # Read like fct_sales",
        f"{GOLD_YAML}: models[sales_with_current_customer].config.row_filter: stores rows of "
        "model fct_sales (row filter row_access_by_country on country_code) as a table without "
        "a row filter: analysts, bi_viewers (grants.select) would read the rows of every country",
    ),
    "summary as a table": (
        "models/gold/executive_summary.sql",
        "{{ config(materialized='view') }}",
        "{{ config(materialized='table') }}",
        f"{GOLD_YAML}: models[executive_summary].config.row_filter: stores rows of model "
        "fct_sales (row filter row_access_by_country on country_code) as a table",
    ),
}


def _copy(root: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "target", "logs", "data", "reports", "edr_target", "*.duckdb*"
    )
    project = root / "project"
    shutil.copytree(PROJECT, project, ignore=ignore)
    (project / "profiles.yml").unlink(missing_ok=True)
    return project


def _plant(project: Path, names: list[str], plants: dict = PLANTS) -> None:
    for name in names:
        path, original, planted, _ = plants[name]
        text = (project / path).read_text()
        assert text.count(original) == 1, f"{name}: update PLANTS to the current {path}"
        (project / path).write_text(text.replace(original, planted))


def _run(project: Path, *command: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "LAKEHOUSE_BI_DUCKDB_PATH": str(project / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(project / "target"),
        "DBT_LOG_PATH": str(project / "logs"),
    }
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    project = _copy(tmp_path_factory.mktemp("governance_validate"))
    _plant(project, list(PLANTS))
    return project


def test_validate_rejects_every_planted_policy(planted):
    result = _run(
        planted, "lakehouse-bi", "validate", "governance", "--project-dir", ".", "--target", "prod"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    for name, (*_, message) in PLANTS.items():
        assert message in result.stderr, f"{name} not reported:\n{result.stderr}"
    # None of them stops the scratch `dbt compile` (it runs no on-run-start validation), so
    # the lineage rules ran too, and found nothing else.
    assert "column lineage" not in result.stderr, result.stderr


def test_the_project_passes_on_every_target(tmp_path):
    """The real policy, dev, staging and prod, column lineage included: no violation."""
    project = _copy(tmp_path)
    result = _run(project, "lakehouse-bi", "validate", "governance", "--project-dir", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Governance policies valid (targets dev, staging, prod)." in result.stdout


def test_validate_finds_what_only_lineage_shows(tmp_path):
    project = _copy(tmp_path)
    _plant(project, list(LINEAGE_PLANTS), LINEAGE_PLANTS)
    result = _run(
        project, "lakehouse-bi", "validate", "governance", "--project-dir", ".", "--target", "prod"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    for name, (*_, message) in LINEAGE_PLANTS.items():
        assert message in result.stderr, f"{name} not reported:\n{result.stderr}"
    assert "column lineage: not derived" not in result.stderr
    assert "Traceback" not in result.stderr


def test_dbt_macros_reject_a_planted_policy(tmp_path):
    project = _copy(tmp_path)
    _plant(project, ["unknown mask"])
    shutil.copy(PROJECT / "profiles.yml.example", project / "profiles.yml")
    result = _run(project, "dbt", "run-operation", "governance_validate_policies")
    assert result.returncode != 0
    assert PLANTS["unknown mask"][3] in result.stdout, result.stdout[-3000:]
