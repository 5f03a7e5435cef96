"""Elementary keeps test-result history across runs, and its HTML report shows the project's
tests (checked by decoding the JSON the report embeds)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from local_pipeline import PROJECT

_EMBEDDED_DATA = re.compile(r"window\.elementaryData = JSON\.parse\(atob\('([A-Za-z0-9+/=]+)'\)\)")


def test_test_result_history_grows_across_runs(observed):
    first, second = observed.test_result_counts
    builds = [invocation for invocation, command in observed.invocations if command == "build"]
    per_build = observed.query(
        "select invocation_id, count(*) from elementary.elementary_test_results group by 1"
    )
    assert second > first > 0
    # Each build kept its own results: the second run appended, it overwrote nothing.
    kept = {invocation: count for invocation, count in per_build if invocation in builds}
    assert sorted(kept) == sorted(builds)
    assert kept[builds[0]] == first
    assert second == first + kept[builds[1]]


def test_anomaly_tests_ran_on_real_buckets_and_passed(observed):
    rows = observed.query(
        "select table_name, test_short_name, status from elementary.elementary_test_results "
        f"where test_type = 'anomaly_detection' and invocation_id = '{observed.invocations[1][0]}'"
    )
    kinds = {(table, name) for table, name, _ in rows}
    assert ("sales_dashboard_metrics", "volume_anomalies") in kinds
    assert ("sales_dashboard_metrics", "column_anomalies") in kinds
    assert ("fct_sales", "freshness_anomalies") in kinds
    assert {status for *_, status in rows} == {"pass"}
    # Trained on daily buckets of the generated data, not on an empty window.
    (buckets,) = observed.query(
        "select count(distinct bucket_start) from elementary.data_monitoring_metrics "
        "where lower(full_table_name) like '%sales_dashboard_metrics' and metric_name = 'sum'"
    )[0]
    assert buckets >= 50


@pytest.fixture(scope="module")
def report_data(observed) -> dict:
    config_dir = observed.root / "edr_config"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "config.yml").write_text(
        "anonymous_usage_tracking: false\n"
        "disable_elementary_version_check: true\n"
        "run_dbt_deps_if_needed: false\n"
    )
    report = observed.root / "report.html"
    observed.run(
        "edr", "report",
        "--config-dir", str(config_dir),
        "--profiles-dir", str(observed.root),
        "--project-dir", str(PROJECT),
        "--target-path", str(observed.root / "edr_target"),
        "--file-path", str(report),
        "--open-browser", "false",
    )  # fmt: skip
    match = _EMBEDDED_DATA.search(report.read_text())
    assert match, "the report no longer embeds its data as base64 JSON"
    return json.loads(base64.b64decode(match.group(1)))


def test_report_contains_every_project_test(observed, report_data):
    manifest = json.loads(observed.built_manifest.read_text())
    project_tests = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and node["package_name"] == "lakehouse_bi"
    }
    assert project_tests, "the project declares tests"
    assert project_tests <= set(report_data["tests"])


def test_report_shows_results_freshness_and_anomalies(report_data):
    results = report_data["test_results"]
    metrics = [r["metadata"] for r in results["model.lakehouse_bi.sales_dashboard_metrics"]]
    assert {"volume_anomalies", "column_anomalies"} <= {m["test_name"] for m in metrics}
    assert all(m["latest_run_status"] == "pass" for m in metrics)
    # `dbt source freshness` results reach Elementary through its on-run-end hook.
    assert "source.lakehouse_bi.landing.orders" in results
