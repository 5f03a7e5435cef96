"""The operations commands against a real local build (the session's DuckDB pipeline): the
deployment matches every model's YAML, tuning and backup see every table, the DQ report
compares a day with itself when asked."""

from __future__ import annotations

import json

import pytest
from local_pipeline import LocalPipeline


@pytest.fixture(scope="module")
def built(pipeline: LocalPipeline) -> LocalPipeline:
    return pipeline


def _table_models(pipeline: LocalPipeline) -> set[str]:
    manifest = json.loads((pipeline.target / "manifest.json").read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == "lakehouse_bi"
        and node["config"]["materialized"] in ("table", "incremental")
    }


def test_the_local_build_matches_every_models_yaml(built):
    completed = built.run("lakehouse-bi", "ops", "validate-deployment", "--json", check=False)
    findings = [json.loads(line) for line in completed.stdout.splitlines()]
    failed = [f for f in findings if f["status"] == "fail"]
    assert failed == [], failed
    assert completed.returncode == 0
    checked = {f["subject"] for f in findings if f["check"] == "exists"}
    assert {name.split(".")[-1] for name in checked} >= _table_models(built)


def test_tune_and_backup_see_every_table(built, tmp_path):
    tuned = json.loads(built.run("lakehouse-bi", "ops", "tune", "--json").stdout)
    assert {s["model"] for s in tuned["statistics"]} == _table_models(built)
    assert all(s["rows"] is not None for s in tuned["statistics"])
    assert all(s["size_bytes"] > 0 for s in tuned["statistics"] if s["rows"])

    out = tmp_path / "backup"
    built.run("lakehouse-bi", "ops", "backup-metadata", "--out", str(out))
    manifest = json.loads((out / "backup_manifest.json").read_text())
    assert manifest["engine"] == "duckdb"
    assert manifest["counts"]["tables"] >= len(_table_models(built))


def test_dq_report_reads_the_observability_models(built):
    dates = built.query("select distinct run_date from observability.dq_scores order by 1 desc")
    latest = str(dates[0][0])
    completed = built.run(
        "lakehouse-bi", "dq", "report", "--run-date", latest, "--baseline-date", latest, "--json"
    )
    report = json.loads(completed.stdout)
    assert report["regressed"] == []  # a day against itself
    scored = built.query(
        "select count(distinct table_name) from observability.dq_scores "
        f"where run_date = '{latest}'"
    )[0][0]
    assert len(report["tables"]) == scored > 0
