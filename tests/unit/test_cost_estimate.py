"""`lakehouse-bi cost estimate`: numbers recomputed by hand from the rates, runtime from a
measured dbt run, and clear errors for bad configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from ops_support import make_project

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.cost import estimate, spec_problems

PROJECT = Path(__file__).parents[2]
RATES = PROJECT / "config/cost/dbu_rates.yml"


def _jobs(tmp_path: Path, jobs: list[dict]) -> Path:
    path = tmp_path / "jobs.yml"
    path.write_text(yaml.safe_dump({"jobs": jobs}))
    return path


def _rates() -> dict:
    return yaml.safe_load(RATES.read_text())


def test_warehouse_and_job_cluster_arithmetic(tmp_path):
    rates = _rates()
    jobs = _jobs(
        tmp_path,
        [
            {
                "name": "build",
                "schedule": "daily",
                "data_volume_gb": 10,
                "minutes_per_gb": 1.5,
                "overhead_minutes": 2,
                "compute": {
                    "type": "sql_warehouse",
                    "size": "Medium",
                    "sku": "sql_serverless",
                    "idle_minutes": 10,
                },
            },
            {
                "name": "maint",
                "runs_per_month": 4,
                "runtime_minutes": 30,
                "compute": {
                    "type": "job_cluster",
                    "node_type": "i3.2xlarge",
                    "workers": 3,
                    "photon": True,
                    "sku": "jobs_compute",
                },
            },
        ],
    )
    (build, maint), sources = estimate(jobs, RATES)

    days = 365.25 / 12
    medium = rates["sql_warehouse_dbu_per_hour"]["sizes"]["Medium"]
    serverless = rates["prices_per_dbu"]["skus"]["sql_serverless"]
    assert build.runtime_minutes == 17  # 2 + 10 x 1.5
    assert build.billed_minutes == 27  # + 10 idle until auto-stop
    assert build.cost_per_month == pytest.approx(27 / 60 * medium * serverless * days, abs=0.01)
    assert build.note == "compute included"

    node = rates["node_dbu_per_hour"]["nodes"]["i3.2xlarge"]
    photon = rates["node_dbu_per_hour"]["photon_multiplier"]
    jobs_price = rates["prices_per_dbu"]["skus"]["jobs_compute"]
    assert maint.dbu_per_hour == pytest.approx(node * 4 * photon)  # 3 workers + 1 driver
    assert maint.cost_per_month == pytest.approx(0.5 * node * 4 * photon * jobs_price * 4, abs=0.01)
    assert "VM cost" in maint.note
    assert set(sources) == {"prices_per_dbu", "sql_warehouse_dbu_per_hour", "node_dbu_per_hour"}
    assert all(meta["source"].startswith("https://") and meta["as_of"] for meta in sources.values())


def test_measured_run_replaces_the_runtime(tmp_path, monkeypatch):
    make_project(tmp_path / "project", monkeypatch)
    run_results = tmp_path / "run_results.json"
    run_results.write_text(json.dumps({"elapsed_time": 90.0, "results": []}))
    jobs = _jobs(
        tmp_path,
        [
            {
                "name": "build",
                "schedule": "weekly",
                "runtime_minutes": 999,
                "compute": {"type": "sql_warehouse", "size": "Small", "sku": "sql_pro"},
            }
        ],
    )
    result = CliRunner().invoke(
        main,
        [
            "cost",
            "estimate",
            "--jobs",
            str(jobs),
            "--rates",
            str(RATES),
            "--run-results",
            str(run_results),
            "--job",
            "build",
            "--volume-factor",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    (job,) = json.loads(result.output)["jobs"]
    assert job["runtime_minutes"] == 30  # 1.5 min measured x 20
    assert job["runtime_source"] == "measured run_results.json x 20"
    rates = _rates()
    expected = (
        30
        / 60
        * rates["sql_warehouse_dbu_per_hour"]["sizes"]["Small"]
        * rates["prices_per_dbu"]["skus"]["sql_pro"]
        * (365.25 / 12 / 7)
    )
    assert job["cost_per_month"] == pytest.approx(expected, abs=0.01)


def test_the_project_files_estimate_every_job(tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT)
    result = CliRunner().invoke(main, ["cost", "estimate", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    names = [
        job["name"]
        for job in yaml.safe_load((PROJECT / "config/cost/jobs.yml").read_text())["jobs"]
    ]
    assert [job["job"] for job in data["jobs"]] == names
    assert data["total_per_month"] == pytest.approx(
        sum(j["cost_per_month"] for j in data["jobs"]), abs=0.02
    )


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (
            {
                "name": "j",
                "schedule": "daily",
                "runtime_minutes": 5,
                "compute": {"type": "sql_warehouse", "size": "Huge", "sku": "sql_pro"},
            },
            "'Huge' is not in the rates file",
        ),
        (
            {
                "name": "j",
                "schedule": "sometimes",
                "runtime_minutes": 5,
                "compute": {"type": "sql_warehouse", "size": "Small", "sku": "sql_pro"},
            },
            "job j.schedule is 'sometimes'",
        ),
        (
            {
                "name": "j",
                "schedule": "daily",
                "compute": {"type": "sql_warehouse", "size": "Small", "sku": "sql_pro"},
            },
            "neither runtime_minutes nor data_volume_gb",
        ),
        (
            {
                "name": "j",
                "schedule": "daily",
                "runtime_minutes": "ten",
                "compute": {"type": "sql_warehouse", "size": "Small", "sku": "sql_pro"},
            },
            "job j.runtime_minutes must be a number",
        ),
        (
            {"name": "j", "schedule": "daily", "runtime_minutes": 5, "compute": {"type": "laptop"}},
            "compute.sku",
        ),
    ],
)
def test_bad_jobs_name_the_key(tmp_path, job, message):
    with pytest.raises(ConfigError, match=message):
        estimate(_jobs(tmp_path, [job]), RATES)


def test_rates_without_a_source_are_refused(tmp_path):
    rates = _rates()
    del rates["prices_per_dbu"]["source"]
    path = tmp_path / "rates.yml"
    path.write_text(yaml.safe_dump(rates))
    with pytest.raises(ConfigError, match="prices_per_dbu is missing, or has no source"):
        estimate(_jobs(tmp_path, []), path)


def test_unknown_measured_job(tmp_path):
    jobs = _jobs(
        tmp_path,
        [
            {
                "name": "build",
                "schedule": "daily",
                "runtime_minutes": 1,
                "compute": {"type": "sql_warehouse", "size": "Small", "sku": "sql_pro"},
            }
        ],
    )
    with pytest.raises(ConfigError, match="--job 'nightly' is not in"):
        estimate(jobs, RATES, {"nightly": (1.0, "x")})


def test_spec_problems_for_the_validate_registry(tmp_path):
    assert spec_problems(PROJECT) == []
    (tmp_path / "config/cost").mkdir(parents=True)
    (tmp_path / "config/cost/dbu_rates.yml").write_text(RATES.read_text())
    (tmp_path / "config/cost/jobs.yml").write_text(
        yaml.safe_dump(
            {
                "jobs": [
                    {
                        "name": "j",
                        "schedule": "daily",
                        "runtime_minutes": 1,
                        "compute": {"type": "sql_warehouse", "size": "Tiny", "sku": "sql_pro"},
                    }
                ]
            }
        )
    )
    (problem,) = spec_problems(tmp_path)
    assert problem.startswith("config/cost/jobs.yml: job j.size: 'Tiny' is not in the rates")
