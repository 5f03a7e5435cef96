"""The Databricks bundle offline: databricks.yml + resources/jobs/*.job.yml through
databricks-bundles (its own build entry point, and typed validation), `lakehouse-bi jobs
render` per target, feature flag enable_streaming off and on, the job dbt profile fed by the
commands' --vars, the Elementary task script, and spec_problems."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from dbt.config.profile import read_profile
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context

from lakehouse_bi.cli import main
from lakehouse_bi.deploy.cd_variables import CD_WORKFLOW, cd_deploy_jobs, cd_variable_values
from lakehouse_bi.deploy.jobs_render import render_resources
from lakehouse_bi.deploy.jobs_spec import spec_problems
from lakehouse_bi.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]
SP = "6f1c2a34-0b5d-4e7f-9a1b-2c3d4e5f6a7b"
PROD_VARS = {
    "warehouse_id": "abc123def4567890",
    "service_principal_application_id": SP,
    "notification_emails": "oncall@example.com, data-team@example.com",
    "webhook_destination_id": "destination-42",
}
NO_ENV: dict[str, str] = {}


def render(target: str, project: Path = PROJECT, **overrides: str) -> dict:
    return render_resources(project, target, overrides, environ=NO_ENV)


def dbt_vars(command: str) -> dict:
    """The --vars of a dbt command, parsed the way a shell splits it."""
    words = shlex.split(command)
    return yaml.safe_load(words[words.index("--vars") + 1])


def project_copy(tmp_path: Path, with_profile: bool = True) -> Path:
    """The files the bundle spec reads, copied so a test can change them."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("databricks.yml", "dbt_project.yml", "constraints.txt"):
        shutil.copy(PROJECT / name, copy / name)
    shutil.copytree(PROJECT / "resources" / "jobs", copy / "resources" / "jobs")
    shutil.copytree(PROJECT / "resources" / "dashboards", copy / "resources" / "dashboards")
    (copy / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(PROJECT / CD_WORKFLOW, copy / CD_WORKFLOW)
    if with_profile:
        shutil.copytree(PROJECT / "resources" / "dbt_profiles", copy / "resources" / "dbt_profiles")
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


# --- databricks-bundles' own offline build --------------------------------------------------


def bundle_input(target: str, values: dict[str, str]) -> dict:
    """databricks.yml as the CLI hands it to the Python phase: bundle.target set, each
    variable's value resolved (default, target override, then --var)."""
    config = yaml.safe_load((PROJECT / "databricks.yml").read_text())
    target_values = config["targets"][target].get("variables", {})
    for name, spec in config["variables"].items():
        spec["value"] = values.get(name, target_values.get(name, spec.get("default")))
    config["bundle"]["target"] = target
    return config


@pytest.mark.parametrize(("target", "warehouse_id"), [("dev", ""), ("prod", "abc123def4567890")])
def test_databricks_bundles_build_loads_the_resources(tmp_path, target, warehouse_id):
    """`python -m databricks.bundles.build --phase load_resources` (what the CLI runs) loads
    both jobs without a diagnostic; an empty warehouse_id adds the bundle's SQL warehouse."""
    source = tmp_path / "in.json"
    source.write_text(json.dumps(bundle_input(target, {**PROD_VARS, "warehouse_id": warehouse_id})))
    out, diagnostics = tmp_path / "out.json", tmp_path / "diagnostics.jsonl"
    completed = subprocess.run(
        [sys.executable, "-m", "databricks.bundles.build", "--phase", "load_resources",
         "--input", str(source), "--output", str(out), "--diagnostics", str(diagnostics)],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT), str(PROJECT / "python")])},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert diagnostics.read_text().strip() == ""
    resources = json.loads(out.read_text())["resources"]
    assert set(resources["jobs"]) == {
        "lakehouse_bi_pipeline", "lakehouse_bi_maintenance",
        "lakehouse_bi_refresh_sales_overview", "lakehouse_bi_refresh_executive_summary",
    }  # fmt: skip
    assert set(resources["dashboards"]) == {
        "sales_overview",
        "executive_summary",
        "pipeline_health",
    }
    assert set(resources["alerts"]) == {"sales_drop_alert"}
    for dashboard in resources["dashboards"].values():
        assert (PROJECT / dashboard["file_path"]).is_file()
        assert dashboard["embed_credentials"] is False
    build = resources["jobs"]["lakehouse_bi_pipeline"]["tasks"][1]["dbt_task"]["commands"][2]
    # The CLI resolves ${var.*} after this phase; the Python only picks which warehouse.
    expected_warehouse = (
        "${var.warehouse_id}" if warehouse_id else "${resources.sql_warehouses.lakehouse_bi.id}"
    )
    assert dbt_vars(build)["databricks_warehouse_id"] == expected_warehouse
    assert ("sql_warehouses" in resources) is (warehouse_id == "")


# --- validation: a misspelt or mistyped field -----------------------------------------------


def test_misspelt_task_field_is_rejected_naming_file_job_task_and_field(tmp_path):
    project = project_copy(tmp_path)
    job_file = project / "resources" / "jobs" / "lakehouse_bi_pipeline.job.yml"
    edit(job_file, "          max_retries: 2\n          min_retry_interval_millis: 300000",
         "          max_retires: 2\n          min_retry_interval_millis: 300000")  # fmt: skip
    problems = spec_problems(project)
    assert len(problems) == 1
    assert str(job_file) in problems[0]
    assert "resources.jobs.lakehouse_bi_pipeline.tasks[1] (task_key 'dbt_build')" in problems[0]
    assert "Unexpected field 'max_retires' for class Task" in problems[0]
    with pytest.raises(ConfigError, match="max_retires"):
        render("prod", project, **PROD_VARS)


def test_misspelt_job_field_and_wrong_type_are_rejected(tmp_path):
    project = project_copy(tmp_path)
    job_file = project / "resources" / "jobs" / "lakehouse_bi_maintenance.job.yml"
    edit(job_file, "      max_concurrent_runs: 1", "      max_concurent_runs: 1")
    assert any(
        "Unexpected field 'max_concurent_runs' for class Job" in p for p in spec_problems(project)
    )
    edit(job_file, "      max_concurent_runs: 1", "      max_concurrent_runs: one")
    (problem,) = spec_problems(project)
    assert "resources.jobs.lakehouse_bi_maintenance" in problem and "'one'" in problem


def test_bundle_file_problems_name_the_key(tmp_path):
    project = project_copy(tmp_path)
    bundle_file = project / "databricks.yml"
    edit(
        bundle_file,
        "  prod:\n    mode: production\n",
        "  prod:\n    mode: production\n    workspace_host: x\n",
    )
    job_file = project / "resources" / "jobs" / "lakehouse_bi_pipeline.job.yml"
    edit(job_file, "${var.pipeline_timeout_seconds}", "${var.pipeline_timeout_secs}")
    problems = spec_problems(project)
    assert any("targets.prod: unknown key 'workspace_host'" in p for p in problems)
    assert any("variables.pipeline_timeout_secs is used" in p for p in problems)


def test_the_project_spec_is_valid():
    assert spec_problems(PROJECT) == []


def test_the_job_profile_is_deployed(tmp_path):
    """The bundle syncs what git does not ignore: the jobs' profile must not be ignored (the
    laptop profiles.yml is), and a missing one is a spec problem."""
    profile = PROJECT / "resources" / "dbt_profiles" / "profiles.yml"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(profile)], cwd=PROJECT, check=False)
    assert ignored.returncode == 1, f"{profile} is git-ignored, so a deploy would not sync it"
    project = project_copy(tmp_path, with_profile=False)
    problems = spec_problems(project)
    assert len(problems) == 9  # 3 dbt tasks x 3 targets
    assert all("profiles_directory: no resources/dbt_profiles/profiles.yml" in p for p in problems)


# --- render per target ----------------------------------------------------------------------


def test_render_prod_pipeline_job():
    rendered = render("prod", **PROD_VARS)
    assert rendered["warnings"] == [] and rendered["sql_warehouses"] == {}
    job = rendered["jobs"]["lakehouse_bi_pipeline"]
    assert job["name"] == "lakehouse-bi pipeline (prod)"
    assert job["run_as"] == {"service_principal_name": SP}
    assert {"group_name": "lakehouse_bi_data_engineers", "level": "CAN_MANAGE_RUN"} in job[
        "permissions"
    ]
    assert job["schedule"] == {
        "quartz_cron_expression": "0 0 5 * * ?",
        "timezone_id": "UTC",
    }  # fmt: skip (no pause_status: the API's default is UNPAUSED)
    assert "trigger" not in job
    assert job["timeout_seconds"] == 14400
    assert job["health"]["rules"] == [
        {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 5400}
    ]
    assert job["queue"] == {"enabled": True} and job["max_concurrent_runs"] == 1
    emails = ["oncall@example.com", "data-team@example.com"]
    assert job["email_notifications"]["on_failure"] == emails
    assert job["email_notifications"]["on_duration_warning_threshold_exceeded"] == emails
    assert job["webhook_notifications"]["on_failure"] == [{"id": "destination-42"}]
    tasks = {task["task_key"]: task for task in job["tasks"]}
    assert list(tasks) == ["source_freshness", "dbt_build", "elementary_report"]
    for task in tasks.values():
        assert task["max_retries"] >= 1 and task["min_retry_interval_millis"] >= 60000
        assert 0 < task["timeout_seconds"] <= job["timeout_seconds"]
        assert isinstance(task["retry_on_timeout"], bool)
    assert tasks["dbt_build"]["depends_on"] == [{"task_key": "source_freshness"}]
    assert tasks["dbt_build"]["run_if"] == "ALL_DONE"
    commands = (
        tasks["source_freshness"]["dbt_task"]["commands"]
        + tasks["dbt_build"]["dbt_task"]["commands"]
    )
    verbs = [" ".join(shlex.split(c)[:3]) for c in commands]
    assert verbs == [
        "dbt deps",
        "dbt source freshness",
        "dbt deps",
        "dbt run-operation migrate_renamed_models",
        "dbt build --target",
        "dbt docs generate",
    ]
    # The renamed-models migration runs before the build, on the same target and connection.
    for command in commands[1:2] + commands[3:]:
        words = shlex.split(command)
        assert words[words.index("--target") + 1] == "prod"
        assert dbt_vars(command) == {
            "databricks_warehouse_id": "abc123def4567890",
            "databricks_catalog": "lakehouse_bi_prod",
            "databricks_schema": "main",
            "landing_root": "/Volumes/lakehouse_bi_prod/landing/files",
            # Query tags (resources/dbt_profiles/profiles.yml): the job fills in its run id.
            "databricks_target": "prod",
            "databricks_job_run_id": "{% raw %}{{job.run_id}}{% endraw %}",
        }
    dbt_task = tasks["dbt_build"]["dbt_task"]
    assert dbt_task["project_directory"] == "/Workspace/Shared/.bundle/lakehouse_bi/prod/files"
    assert (
        dbt_task["profiles_directory"] == "resources/dbt_profiles"
        and "warehouse_id" not in dbt_task
    )
    environment = job["environments"][0]["spec"]
    constraints = (PROJECT / "constraints.txt").read_text()
    for pin in environment["dependencies"]:
        assert re.search(rf"^{re.escape(pin)}$", constraints, re.M), pin
    # Only the ids the workspace assigns at deploy (the refresh jobs' dashboards) stay open.
    assert rendered["unresolved"] == [
        "${resources.dashboards.executive_summary.id}", "${resources.dashboards.sales_overview.id}",
    ]  # fmt: skip


def test_render_prod_maintenance_job_calls_the_delta_operations():
    job = render("prod", **PROD_VARS)["jobs"]["lakehouse_bi_maintenance"]
    (task,) = job["tasks"]
    operations = [shlex.split(c)[:3] for c in task["dbt_task"]["commands"]]
    assert operations == [
        ["dbt", "deps"],
        ["dbt", "run-operation", "apply_retention_policy"],
        ["dbt", "run-operation", "run_table_maintenance"],
    ]
    assert all("--target prod" in c for c in task["dbt_task"]["commands"][1:])
    assert job["schedule"]["quartz_cron_expression"] == "0 0 3 ? * SUN"
    assert task["max_retries"] == 1 and task["retry_on_timeout"] is False
    assert job["run_as"] == {"service_principal_name": SP}


def test_render_dev_is_personal_paused_and_sizes_its_own_warehouse():
    rendered = render("dev")
    job = rendered["jobs"]["lakehouse_bi_pipeline"]
    assert job["name"] == "[dev ${workspace.current_user.short_name}] lakehouse-bi pipeline (dev)"
    assert job["schedule"]["pause_status"] == "PAUSED"
    assert "run_as" not in job and "webhook_notifications" not in job
    build = job["tasks"][1]["dbt_task"]["commands"][2]
    assert dbt_vars(build)["databricks_schema"] == "dev_${workspace.current_user.short_name}"
    assert (
        dbt_vars(build)["databricks_warehouse_id"] == "${resources.sql_warehouses.lakehouse_bi.id}"
    )
    warehouse = rendered["sql_warehouses"]["lakehouse_bi"]
    assert (warehouse["cluster_size"], warehouse["max_num_clusters"]) == ("2X-Small", 1)
    assert (
        warehouse["spot_instance_policy"] == "COST_OPTIMIZED" and warehouse["enable_photon"] is True
    )
    assert "${workspace.current_user.short_name}" in rendered["unresolved"]
    report = job["tasks"][2]["spark_python_task"]["parameters"]
    assert (
        report[report.index("--elementary-schema") + 1]
        == "dev_${workspace.current_user.short_name}_elementary"
    )


def test_render_staging_sizes_and_warns_without_recipients():
    rendered = render("staging", service_principal_application_id=SP)
    warehouse = rendered["sql_warehouses"]["lakehouse_bi"]
    assert (warehouse["cluster_size"], warehouse["max_num_clusters"]) == ("Small", 2)
    assert rendered["jobs"]["lakehouse_bi_pipeline"]["health"]["rules"][0]["value"] == 3600
    assert any("Nobody is notified" in warning for warning in rendered["warnings"])
    assert not any("run_as" in warning for warning in rendered["warnings"])
    without_principal = render("staging")["warnings"]
    assert any("service_principal_application_id" in warning for warning in without_principal)


def test_variable_precedence_override_then_environment_then_target():
    environ = {"BUNDLE_VAR_catalog": "from_env", "BUNDLE_VAR_warehouse_id": "env-warehouse"}
    rendered = render_resources(PROJECT, "prod", {"catalog": "from_flag"}, environ=environ)
    build = rendered["jobs"]["lakehouse_bi_pipeline"]["tasks"][1]["dbt_task"]["commands"][2]
    assert dbt_vars(build)["databricks_catalog"] == "from_flag"
    assert dbt_vars(build)["databricks_warehouse_id"] == "env-warehouse"
    with pytest.raises(ConfigError, match=r"'catalgo' .* not declared"):
        render("prod", catalgo="x")


def test_render_command_unknown_target_lists_targets():
    result = CliRunner().invoke(
        main, ["jobs", "render", "--target", "qa", "--project-dir", str(PROJECT)]
    )
    assert result.exit_code == 2
    assert "Unknown bundle target 'qa'" in result.output and "dev, staging, prod" in result.output


def test_render_command_prints_json_and_yaml():
    args = ["jobs", "render", "-t", "prod", "--project-dir", str(PROJECT)]
    args += [f"--var={name}={value}" for name, value in PROD_VARS.items()]
    as_json = CliRunner().invoke(main, args)
    as_yaml = CliRunner().invoke(main, [*args, "--format", "yaml"])
    assert as_json.exit_code == 0 and as_yaml.exit_code == 0, as_json.output + as_yaml.output
    assert json.loads(as_json.output) == yaml.safe_load(as_yaml.output)


# --- feature flag enable_streaming ----------------------------------------------------------


def test_enable_streaming_switches_the_pipeline_to_file_arrival(tmp_path):
    project = project_copy(tmp_path)
    edit(project / "dbt_project.yml", "enable_streaming: false", "enable_streaming: true")
    jobs = render("prod", project, **PROD_VARS)["jobs"]
    pipeline = jobs["lakehouse_bi_pipeline"]
    assert "schedule" not in pipeline
    assert pipeline["trigger"] == {
        "file_arrival": {
            "url": "/Volumes/lakehouse_bi_prod/landing/files/",
            "min_time_between_triggers_seconds": 300,
            "wait_after_last_change_seconds": 120,
        },
    }
    assert "schedule" in jobs["lakehouse_bi_maintenance"]  # maintenance stays on its cron
    assert spec_problems(project) == []
    dev = render("dev", project)["jobs"]["lakehouse_bi_pipeline"]
    assert dev["trigger"]["pause_status"] == "PAUSED"


def test_enable_streaming_off_keeps_the_schedule():
    pipeline = render("prod", **PROD_VARS)["jobs"]["lakehouse_bi_pipeline"]
    assert "trigger" not in pipeline and "pause_status" not in pipeline["schedule"]


def test_a_flag_that_is_not_a_boolean_is_rejected(tmp_path):
    project = project_copy(tmp_path)
    edit(project / "dbt_project.yml", "enable_streaming: false", 'enable_streaming: "no"')
    with pytest.raises(
        ConfigError, match=r"vars\.enable_streaming must be true or false, got 'no'"
    ):
        render("prod", project, **PROD_VARS)
    assert any("vars.enable_streaming" in p for p in spec_problems(project))


# --- the job dbt profile and the Elementary task --------------------------------------------


def job_profile(profile: str, target: str, cli_vars: dict) -> dict:
    """One output of resources/dbt_profiles/profiles.yml rendered by dbt's own profile renderer."""
    set_invocation_context(dict(os.environ))  # dbt's env_var() reads the invocation's environment
    raw = read_profile(str(PROJECT / "resources" / "dbt_profiles"))
    return ProfileRenderer(cli_vars).render_data(raw[profile]["outputs"][target])


def test_job_commands_vars_connect_the_job_profile(monkeypatch):
    """dbt renders resources/dbt_profiles/profiles.yml with the --vars a job command carries:
    the warehouse, catalog and schema of the target's variables."""
    monkeypatch.setenv("DBT_HOST", "dbc-example.cloud.databricks.com")
    monkeypatch.setenv("DBT_ACCESS_TOKEN", "token-for-test")
    for target in ("dev", "staging", "prod"):
        rendered = render(target, **PROD_VARS)
        command = rendered["jobs"]["lakehouse_bi_pipeline"]["tasks"][1]["dbt_task"]["commands"][2]
        words = shlex.split(command)
        output = job_profile("lakehouse_bi", words[words.index("--target") + 1], dbt_vars(command))
        assert (
            output["type"] == "databricks" and output["host"] == "dbc-example.cloud.databricks.com"
        )
        assert output["http_path"] == "/sql/1.0/warehouses/abc123def4567890"
        assert output["catalog"] == dbt_vars(command)["databricks_catalog"]
        assert output["schema"] == dbt_vars(command)["databricks_schema"]
    assert job_profile("lakehouse_bi", "prod", dbt_vars(command))["threads"] == 16


def test_job_profile_query_tags_carry_target_and_the_job_ids(monkeypatch):
    """The job profile's query_tags (cost attribution): the target and job run id from the
    command's --vars once the job filled in {{job.run_id}}, job and task run ids from the
    headers the dbt task hands dbt. Unfilled (a command run by hand), the reference stays a
    literal instead of failing dbt's Jinja."""
    monkeypatch.setenv("DBT_HOST", "dbc-example.cloud.databricks.com")
    monkeypatch.setenv("DBT_ACCESS_TOKEN", "token-for-test")
    headers = {"X-Databricks-Dbsql-Job-Id": 918273, "X-Databricks-Dbsql-Run-Id": "554433"}
    monkeypatch.setenv("DBT_DATABRICKS_HTTP_SESSION_HEADERS", json.dumps(headers))
    command = render("staging", **PROD_VARS)["jobs"]["lakehouse_bi_pipeline"]["tasks"][1][
        "dbt_task"
    ]["commands"][2]
    as_written = dbt_vars(command)
    filled = {**as_written, "databricks_job_run_id": "1122334455"}  # what the job substitutes
    assert as_written["databricks_job_run_id"] == "{% raw %}{{job.run_id}}{% endraw %}"
    tags = json.loads(job_profile("lakehouse_bi", "staging", filled)["query_tags"])
    assert tags == {
        "project": "lakehouse_bi",
        "target": "staging",
        "job_id": "918273",
        "job_run_id": "1122334455",
        "task_run_id": "554433",
    }
    monkeypatch.delenv("DBT_DATABRICKS_HTTP_SESSION_HEADERS")
    tags = json.loads(job_profile("lakehouse_bi", "staging", as_written)["query_tags"])
    assert tags["job_run_id"] == "{{job.run_id}}" and tags["job_id"] == tags["task_run_id"] == ""


def load_report_script():
    spec = importlib.util.spec_from_file_location(
        "elementary_report", PROJECT / "resources" / "tasks" / "elementary_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_elementary_task_runs_edr_with_the_job_profile(monkeypatch):
    script = load_report_script()
    task = render("prod", **PROD_VARS)["jobs"]["lakehouse_bi_pipeline"]["tasks"][2]
    assert task["spark_python_task"]["python_file"].endswith(
        "/resources/tasks/elementary_report.py"
    )
    args = script.parse_args(task["spark_python_task"]["parameters"])
    command = script.edr_command(args)
    assert command[:2] == ["edr", "report"]
    assert command[command.index("--profile-target") + 1] == "prod"
    assert command[command.index("--file-path") + 1] == (
        "/Volumes/lakehouse_bi_prod/observability/reports/elementary_report_prod.html"
    )
    env = script.edr_environment(args, "https://dbc-example.cloud.databricks.com/", "t0ken")
    assert (
        env["DBT_HOST"] == "dbc-example.cloud.databricks.com" and env["DBT_ACCESS_TOKEN"] == "t0ken"
    )
    for name, value in env.items():
        if name.startswith(("DBT_", "LAKEHOUSE_BI_")):
            monkeypatch.setenv(name, value)
    output = job_profile("elementary", "prod", {})
    assert output["http_path"] == "/sql/1.0/warehouses/abc123def4567890"
    assert (output["catalog"], output["schema"]) == ("lakehouse_bi_prod", "elementary")


def test_a_catalog_differing_from_the_profiles_example_is_reported(tmp_path):
    """databricks.yml owns each target's catalog; profiles.yml.example must repeat it."""
    project = project_copy(tmp_path)
    shutil.copy(PROJECT / "profiles.yml.example", project / "profiles.yml.example")
    assert spec_problems(project) == []
    edit(project / "databricks.yml", "catalog: lakehouse_bi_prod", "catalog: sales_prod")
    (problem,) = spec_problems(project)
    assert "lakehouse_bi.outputs.prod.catalog defaults to 'lakehouse_bi_prod'" in problem
    assert "'sales_prod'" in problem


def test_deprecated_skipped_run_setting_is_reported(tmp_path):
    """Jobs API: email_notifications.no_alert_for_skipped_runs is deprecated in favour of
    notification_settings.no_alert_for_skipped_runs; the spec check names the job and field."""
    project = project_copy(tmp_path)
    job_file = project / "resources" / "jobs" / "lakehouse_bi_maintenance.job.yml"
    edit(job_file, "        on_failure: []  # from notification_emails (jobs.py)\n",
         "        on_failure: []\n        no_alert_for_skipped_runs: true\n")  # fmt: skip
    edit(job_file, "        no_alert_for_skipped_runs: true\n        no_alert_for_canceled_runs",
         "        no_alert_for_canceled_runs")  # fmt: skip
    problems = spec_problems(project)
    assert any(
        "lakehouse_bi_maintenance.email_notifications.no_alert_for_skipped_runs: deprecated" in p
        for p in problems
    ), problems
    assert any(
        "lakehouse_bi_maintenance.notification_settings.no_alert_for_skipped_runs: not set" in p
        for p in problems
    ), problems
    for job in render("prod", **PROD_VARS)["jobs"].values():
        assert "no_alert_for_skipped_runs" not in job.get("email_notifications", {})
        assert job["notification_settings"]["no_alert_for_skipped_runs"] is True


# --- every target resolved with exactly the variables CD passes -----------------------------


def test_every_target_renders_with_the_variables_cd_passes():
    """cd.yml deploys each databricks.yml target, passing BUNDLE_VAR_* from GitHub variables;
    rendered with exactly those (the workflow's expressions stand for the values), no target
    has an empty run_as identity or warehouse id, and the prod permissions keep CAN_MANAGE for
    the service principal CD deploys as."""
    config = yaml.safe_load((PROJECT / "databricks.yml").read_text())
    deploy_jobs = cd_deploy_jobs(PROJECT)
    assert set(deploy_jobs) == set(config["targets"])
    for target, job in deploy_jobs.items():
        values = cd_variable_values(PROJECT, target, environ=NO_ENV)
        assert values == job.variables and "warehouse_id" in values
        rendered = render_resources(PROJECT, target, values, environ=NO_ENV)
        production = config["targets"][target].get("mode") == "production"
        for key, resource in rendered["jobs"].items():
            if production:
                assert resource["run_as"] == {
                    "service_principal_name": "${{ vars.DATABRICKS_CLIENT_ID }}"
                }, (target, key)
                assert {
                    "service_principal_name": "${{ vars.DATABRICKS_CLIENT_ID }}",
                    "level": "CAN_MANAGE",
                } in resource["permissions"]
            for task in resource["tasks"]:
                for command in (task.get("dbt_task") or {}).get("commands", [])[1:]:
                    assert dbt_vars(command)["databricks_warehouse_id"] == (
                        "${{ vars.DATABRICKS_WAREHOUSE_ID }}"
                    )
    assert spec_problems(PROJECT) == []


def _without_line(path: Path, job: str, line: str) -> None:
    """Remove `line` from the block of cd.yml job `job` only."""
    text = path.read_text()
    start = text.index(f"  {job}:\n")
    end = text.index(line, start)
    path.write_text(text[:end] + text[end + len(line) :])


def test_a_target_cd_deploys_without_an_identity_fails_validate(tmp_path):
    project = project_copy(tmp_path)
    cd = project / CD_WORKFLOW
    _without_line(
        cd, "deploy-staging",
        "      BUNDLE_VAR_service_principal_application_id: ${{ vars.DATABRICKS_CLIENT_ID }}\n",
    )  # fmt: skip
    problems = spec_problems(project)
    assert problems and all("targets.staging" in p for p in problems), problems
    assert any(
        "resources.jobs.lakehouse_bi_pipeline.run_as.service_principal_name resolves to empty" in p
        and "cd.yml job deploy-staging does not pass BUNDLE_VAR_service_principal_application_id"
        in p
        for p in problems
    ), problems


def test_in_cd_an_unset_github_variable_fails_validate(monkeypatch):
    """In CD the job's env holds the real values: an unset GitHub variable arrives empty."""
    monkeypatch.setenv("BUNDLE_VAR_service_principal_application_id", "")
    problems = spec_problems(PROJECT)
    assert (
        "databricks.yml targets.prod: resources.jobs.lakehouse_bi_maintenance.run_as."
        "service_principal_name resolves to empty (cd.yml job deploy-prod passes "
        "BUNDLE_VAR_service_principal_application_id from ${{ vars.DATABRICKS_CLIENT_ID }}, "
        "empty here: set that GitHub variable in the job's environment)." in problems
    ), problems
    monkeypatch.setenv("BUNDLE_VAR_service_principal_application_id", SP)
    assert spec_problems(PROJECT) == []


def test_a_warehouse_resolving_to_empty_and_a_missing_deploy_job_are_reported():
    from lakehouse_bi.deploy.cd_variables import CdDeployJob
    from lakehouse_bi.deploy.jobs_spec import deployment_problems

    job = CdDeployJob("deploy-qa", "qa", {"warehouse_id": "${{ vars.X }}"})
    rendered = {
        "jobs": {"j": {"tasks": [{"dashboard_task": {"warehouse_id": ""}}]}},
        "alerts": {"a": {"warehouse_id": "w1"}},
    }
    (problem,) = deployment_problems("qa", {"mode": "development"}, rendered, job)
    assert "resources.jobs.j.tasks[0].dashboard_task.warehouse_id resolves to empty" in problem
    assert "deploy-qa passes BUNDLE_VAR_warehouse_id" in problem
    (missing,) = deployment_problems("qa", {}, rendered, None)
    assert "no job of .github/workflows/cd.yml deploys it" in missing


# --- dashboards, their refresh jobs and the alerts as bundle resources ----------------------


def test_render_prod_dashboards_alerts_and_refresh_jobs(monkeypatch):
    monkeypatch.setenv("BUNDLE_VAR_executive_summary_destination_id", "destination-exec")
    rendered = render_resources(PROJECT, "prod", PROD_VARS)
    dashboards = rendered["dashboards"]
    assert {key: d["dataset_schema"] for key, d in dashboards.items()} == {
        "sales_overview": "gold", "executive_summary": "gold", "pipeline_health": "observability",
    }  # fmt: skip
    sales = dashboards["sales_overview"]
    assert sales["display_name"] == "Sales Overview"
    assert sales["file_path"] == "resources/dashboards/sales_overview.lvdash.json"
    assert sales["warehouse_id"] == PROD_VARS["warehouse_id"]
    assert sales["dataset_catalog"] == "lakehouse_bi_prod"
    assert sales["embed_credentials"] is False
    # The spec's roles, then the target's permissions mapped as the CLI maps them (CAN_VIEW ->
    # CAN_READ; CAN_RUN has no dashboard level), the deploying principal kept as CAN_MANAGE.
    assert sales["permissions"] == [
        {"group_name": "lakehouse_bi_bi_viewers", "level": "CAN_READ"},
        {"group_name": "lakehouse_bi_analysts", "level": "CAN_READ"},
        {"group_name": "lakehouse_bi_data_engineers", "level": "CAN_EDIT"},
        {"group_name": "lakehouse_bi_admins", "level": "CAN_MANAGE"},
        {"service_principal_name": SP, "level": "CAN_MANAGE"},
        {"group_name": "lakehouse_bi_admins", "level": "CAN_MANAGE"},
        {"group_name": "lakehouse_bi_analysts", "level": "CAN_READ"},
    ]
    jobs = rendered["jobs"]
    every_two_hours = jobs["lakehouse_bi_refresh_sales_overview"]
    assert every_two_hours["schedule"] == {
        "quartz_cron_expression": "0 0 */2 * * ?", "timezone_id": "UTC",
    }  # fmt: skip
    (task,) = every_two_hours["tasks"]
    assert task["dashboard_task"] == {
        "dashboard_id": "${resources.dashboards.sales_overview.id}",
        "warehouse_id": PROD_VARS["warehouse_id"],
    }
    assert every_two_hours["run_as"] == {"service_principal_name": SP}
    executive = jobs["lakehouse_bi_refresh_executive_summary"]["tasks"][0]["dashboard_task"]
    assert executive["subscription"] == {
        "subscribers": [{"destination_id": "destination-exec"}], "paused": False,
    }  # fmt: skip
    assert "lakehouse_bi_refresh_pipeline_health" not in jobs  # no schedule in the spec
    alert = rendered["alerts"]["sales_drop_alert"]
    assert alert["warehouse_id"] == PROD_VARS["warehouse_id"]
    assert "from lakehouse_bi_prod.gold.sales_dashboard_metrics" in alert["query_text"]
    assert alert["schedule"] == {
        "quartz_cron_schedule": "0 0 7 * * ?", "timezone_id": "UTC", "pause_status": "UNPAUSED",
    }  # fmt: skip
    assert alert["evaluation"]["comparison_operator"] == "LESS_THAN"
    assert alert["evaluation"]["threshold"] == {"value": {"double_value": -0.2}}
    assert {"service_principal_name": SP, "level": "CAN_MANAGE"} in alert["permissions"]
    assert rendered["unresolved"] == ["${resources.dashboards.executive_summary.id}",
                                      "${resources.dashboards.sales_overview.id}"]  # fmt: skip


def test_render_dev_prefixes_and_pauses_dashboards_alerts_and_refreshes():
    """Development mode: the CLI prefixes every name and pauses job schedules without a
    pause_status; it does not pause alerts, so the Python resources pause them in dev."""
    rendered = render("dev")
    prefix = "[dev ${workspace.current_user.short_name}] "
    for dashboard in rendered["dashboards"].values():
        assert dashboard["display_name"].startswith(prefix)
        assert dashboard["dataset_catalog"] == "lakehouse_bi_dev"
        assert dashboard["warehouse_id"] == "${resources.sql_warehouses.lakehouse_bi.id}"
    schema = rendered["dashboards"]["pipeline_health"]["dataset_schema"]
    assert schema == "dev_${workspace.current_user.short_name}_observability"
    for job in rendered["jobs"].values():
        assert job["name"].startswith(prefix) and job["schedule"]["pause_status"] == "PAUSED"
    (alert,) = rendered["alerts"].values()
    assert alert["display_name"].startswith(prefix)
    assert alert["schedule"]["pause_status"] == "PAUSED"
    assert (
        "from lakehouse_bi_dev.dev_${workspace.current_user.short_name}_gold."
        "sales_dashboard_metrics" in alert["query_text"]
    )
    refresh = rendered["jobs"]["lakehouse_bi_refresh_executive_summary"]["tasks"][0]
    assert "subscription" not in refresh["dashboard_task"]  # no destination id given


def test_an_explicit_unpaused_schedule_is_reported_for_dev(tmp_path):
    """The CLI pauses only schedules that set no pause_status, so an explicit UNPAUSED would
    run the dev copy of the job every day."""
    project = project_copy(tmp_path)
    edit(
        project / "resources" / "jobs" / "lakehouse_bi_maintenance.job.yml",
        "        timezone_id: ${var.schedule_timezone}\n",
        "        timezone_id: ${var.schedule_timezone}\n        pause_status: UNPAUSED\n",
    )
    (problem,) = spec_problems(project)
    assert problem == (
        "databricks.yml targets.dev: resources.jobs.lakehouse_bi_maintenance.schedule"
        ".pause_status is 'UNPAUSED' in development mode (an explicit pause_status is not "
        "paused by the CLI)."
    )


def test_dashboard_resources_are_typed_and_reject_unknown_roles(tmp_path):
    from databricks.bundles.dashboards import Dashboard

    with pytest.raises(ValueError, match="Unexpected field 'file_pat'"):
        Dashboard.from_dict({"display_name": "x", "file_pat": "x.lvdash.json"})
    project = project_copy(tmp_path)
    edit(project / "resources/dashboards/specs/dashboard_permissions.yml",
         "  manage: [admins]\n", "  manage: [owners]\n")  # fmt: skip
    with pytest.raises(ConfigError, match=r"Sales Overview\.manage: unknown role 'owners'"):
        render("prod", project, **PROD_VARS)


def test_cd_variables_read_from_the_workflow(tmp_path):
    """Job-level BUNDLE_VAR_* over workflow-level ones; jobs without TARGET are not deploys;
    in CD the environment's value wins, an unset GitHub variable arriving empty."""
    workflow = tmp_path / CD_WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "env:\n  BUNDLE_VAR_catalog: shared\njobs:\n"
        "  lint:\n    env: {X: y}\n"
        "  deploy-qa:\n    env:\n      TARGET: qa\n      BUNDLE_VAR_catalog: ${{ vars.CATALOG }}\n"
        "      BUNDLE_VAR_warehouse_id: ${{ vars.WAREHOUSE }}\n"
    )
    (job,) = cd_deploy_jobs(tmp_path).values()
    assert (job.job, job.target) == ("deploy-qa", "qa")
    assert job.variables == {
        "catalog": "${{ vars.CATALOG }}",
        "warehouse_id": "${{ vars.WAREHOUSE }}",
    }
    in_cd = cd_variable_values(tmp_path, "qa", environ={"BUNDLE_VAR_warehouse_id": ""})
    assert in_cd == {"catalog": "${{ vars.CATALOG }}", "warehouse_id": ""}
    assert cd_variable_values(tmp_path, "prod", environ={}) == {}
    workflow.write_text(workflow.read_text() + "  again:\n    env: {TARGET: qa}\n")
    with pytest.raises(ConfigError, match="jobs deploy-qa and again both deploy target 'qa'"):
        cd_deploy_jobs(tmp_path)
