"""The audit table gets one row per dbt invocation with who, what, when, where, why and
status; the pipeline-health mart summarises every model's runs."""

from __future__ import annotations

import json

from conftest import AUDIT_ACTOR, AUDIT_COMMIT, SECOND_RUN_REASON


def _audit(observed) -> dict[str, dict]:
    columns = [
        "invocation_id", "command", "invocation_command", "selected", "nodes_run", "status",
        "actor", "actor_source", "reason", "target_name", "adapter_type", "target_schema",
        "git_commit", "nodes_total", "nodes_error", "duration_seconds", "run_started_at",
        "run_ended_at",
    ]  # fmt: skip
    rows = observed.query(f"select {', '.join(columns)} from observability.audit_dbt_invocations")
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def test_one_audit_row_per_invocation(observed):
    audit = _audit(observed)
    recorded = [invocation for invocation, _ in observed.invocations]
    assert set(recorded) <= set(audit)
    assert len(recorded) == len(set(recorded))
    commands = {invocation: audit[invocation]["command"] for invocation in recorded[:3]}
    assert list(commands.values()) == ["build", "build", "freshness"]


def test_audit_row_fields(observed):
    audit = _audit(observed)
    first_build, second_build, freshness = (i for i, _ in observed.invocations[:3])
    row = audit[second_build]
    assert row["actor"] == AUDIT_ACTOR
    assert row["actor_source"] == "DBT_AUDIT_ACTOR"
    assert row["reason"] == SECOND_RUN_REASON
    assert audit[first_build]["reason"] is None
    assert row["git_commit"] == AUDIT_COMMIT
    assert (row["target_name"], row["adapter_type"], row["target_schema"]) == (
        "local", "duckdb", "main",
    )  # fmt: skip
    assert row["status"] == "success"
    assert row["nodes_error"] == 0
    assert row["invocation_command"].startswith("dbt build")
    nodes_run = json.loads(row["nodes_run"])
    assert "model.lakehouse_bi.sales_dashboard_metrics" in nodes_run
    assert "snapshot.lakehouse_bi.snap_customers" in nodes_run
    assert not [node for node in nodes_run if node.startswith("test.")]
    assert row["nodes_total"] > len(nodes_run)  # tests count towards the outcome
    assert row["run_started_at"] <= row["run_ended_at"]
    assert audit[first_build]["run_ended_at"] <= row["run_started_at"]
    # A stale source makes the freshness invocation's status an error.
    stale = observed.freshness_against(observed.stale_landing)
    assert stale.returncode != 0
    assert _audit(observed)[observed.invocations[-1][0]]["status"] == "error"
    assert audit[freshness]["status"] == "success"


def test_row_counts_match_the_tables(observed):
    second_build = observed.invocations[1][0]
    counted = dict(
        observed.query(
            "select unique_id, row_count from audit.dbt_relation_row_counts "
            f"where invocation_id = '{second_build}'"
        )
    )
    (orders,) = observed.query("select count(*) from bronze.bronze_orders")[0]
    (sales,) = observed.query("select count(*) from gold.fct_sales")[0]
    assert counted["model.lakehouse_bi.bronze_orders"] == orders == 2000
    assert counted["model.lakehouse_bi.fct_sales"] == sales
    # Views are not counted: counting one would re-run its query.
    assert "model.lakehouse_bi.pipeline_health" not in counted


def test_pipeline_health_per_model(observed):
    rows = observed.query(
        "select unique_id, last_run_status, run_count, error_count, last_row_count, "
        "last_row_count_change, last_run_duration_seconds, last_success_at, last_run_at "
        "from observability.pipeline_health"
    )
    health = {row[0]: row[1:] for row in rows}
    manifest = json.loads(observed.built_manifest.read_text())
    project_models = {
        uid for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "lakehouse_bi"
    }  # fmt: skip
    assert project_models <= set(health)
    status, runs, errors, row_count, change, duration, last_success, last_run = health[
        "model.lakehouse_bi.bronze_orders"
    ]
    assert (status, runs, errors) == ("success", 2, 0)
    # The second build found no new landing files: same rows, nothing appended.
    assert (row_count, change) == (2000, 0)
    assert duration > 0
    assert last_success == last_run
