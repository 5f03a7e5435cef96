"""analyses/: every ad-hoc query compiles on both engines -- with dbt-duckdb for the local
target, and with the real dbt-databricks adapter against the recording harness (no
workspace) -- and the Databricks SQL parses with sqlfluff's databricks dialect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlfluff

from lakehouse_bi.pipeline.dbt_commands import venv_tool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, record_dbt
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile

ROOT = Path(__file__).resolve().parents[2]
ANALYSES = sorted(p.stem for p in (ROOT / "analyses").glob("*.sql"))
COMPILED = "compiled/lakehouse_bi/analyses"


def test_the_team_queries_are_there():
    assert {"revenue_reconciliation", "top_customers", "dq_trend"} <= set(ANALYSES)


@pytest.fixture(scope="module")
def duckdb_compiled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("analyses_duckdb")
    env = {**os.environ, "LAKEHOUSE_BI_DUCKDB_PATH": str(out / "scratch.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    completed = subprocess.run(
        [venv_tool("dbt"), "compile", "--quiet", "--target", "local", "--select", "path:analyses",
         "--target-path", str(out / "target"), "--log-path", str(out / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    return out / "target" / COMPILED


@pytest.fixture(scope="module")
def databricks_compiled(tmp_path_factory, monkeypatch_module) -> Path:
    root = tmp_path_factory.mktemp("analyses_databricks")
    project = copy_project(ROOT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog="lakehouse_bi_prod", schema="main")
    monkeypatch_module.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
    warehouse = FakeWarehouse("lakehouse_bi_prod", "main")
    record_dbt(project, profiles, ["compile", "--select", "path:analyses"],
               warehouse=warehouse, label="analyses", target_path=root / "target",
               log_path=root / "logs")  # fmt: skip
    return root / "target" / COMPILED


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("name", ANALYSES)
def test_compiles_for_duckdb(duckdb_compiled, name):
    sql = (duckdb_compiled / f"{name}.sql").read_text()
    assert "{{" not in sql and "ref(" not in sql
    sqlfluff.parse(sql, dialect="duckdb")  # raises APIParsingError when it cannot parse


@pytest.mark.parametrize("name", ANALYSES)
def test_compiles_for_databricks_and_parses(databricks_compiled, name):
    sql = (databricks_compiled / f"{name}.sql").read_text()
    assert "`lakehouse_bi_prod`." in sql  # relations qualified by the Databricks catalog
    sqlfluff.parse(sql, dialect="databricks")
