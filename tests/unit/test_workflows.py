"""The GitHub workflows: schema-valid offline, actions pinned, no plain-text secret, and every
step runs through the same make targets a developer runs (docs/CI.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lakehouse_bi.ci.workflow_policy import makefile_targets, run_commands, workflow_problems

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
TARGETS = makefile_targets(ROOT / "Makefile")

# What each workflow must run: the developer's own entry points.
EXPECTED_TARGETS = {
    "ci.yml": {
        *("lint", "secret-scan", "validate", "pytest", "data", "build", "docs"),
        *("fetch-state", "slim-ci"),
    },
    "cd.yml": {"validate", "deploy", "post-deploy-check", "state-manifest"},
    "data_validation.yml": {"fetch-previous-report", "data-validation"},
}


def _make_targets_called(path: Path) -> set[str]:
    workflow = yaml.safe_load(path.read_text())
    called = set()
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for words in run_commands(step.get("run", "")):
                if words[0].startswith(".ci/") and words[1:2] == ["make"]:
                    words = words[1:]  # a .ci/ helper wrapping a make target
                if words[0] == "make":
                    called.update(w for w in words[1:] if not w.startswith("-") and "=" not in w)
    return called


def _documented_targets() -> set[str]:
    """Targets `make help` lists: those with a `## ` description."""
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z-]+):.*## ", text, re.M))


def test_the_three_workflows_exist():
    assert {p.name for p in WORKFLOWS.glob("*.yml")} == set(EXPECTED_TARGETS)


@pytest.mark.parametrize("name", sorted(EXPECTED_TARGETS))
def test_workflow_calls_the_developers_make_targets(name):
    called = _make_targets_called(WORKFLOWS / name)
    assert called == EXPECTED_TARGETS[name]
    # Each one is a target a developer finds in `make help`, not a CI-only entry point.
    assert called <= _documented_targets()


@pytest.mark.parametrize("name", sorted(EXPECTED_TARGETS))
def test_workflow_policy_holds(name):
    assert workflow_problems(WORKFLOWS / name, TARGETS) == []


def test_every_action_is_pinned_to_a_sha_or_exact_tag():
    """Independent of the policy module: read every `uses:` line of the files."""
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses:\s*[^@\s]+@(\S+)", path.read_text()):
            assert re.fullmatch(r"[0-9a-f]{40}|v\d+\.\d+\.\d+", ref), (path.name, ref)


BAD_WORKFLOW = """
name: bad
on: push
env:
  DATABRICKS_TOKEN: dapi0123456789abcdef
jobs:
  build:
    runs-on: ubuntu-24.04
    env:
      API_KEY: ${{ secrets.API_KEY }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@main
      - uses: actions/cache@0123456789abcdef0123456789abcdef01234567
      - run: pip install -e . && make lint
      - run: make no-such-target
      - run: .ci/run
      - run: .ci/github_oidc_token.sh make lint
      - run: .ci/github_oidc_token.sh make no-such-wrapped
"""


def test_policy_names_each_problem_with_file_and_key(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(BAD_WORKFLOW)
    problems = workflow_problems(path, TARGETS)
    joined = "\n".join(problems)
    assert len(problems) == 6, joined
    assert f"{path}: env.DATABRICKS_TOKEN: a secret-like key holds a plain value" in joined
    assert "jobs.build.steps[0].uses: 'actions/checkout@v4' is not pinned" in joined
    assert "jobs.build.steps[1].uses: 'actions/setup-python@main' is not pinned" in joined
    assert "jobs.build.steps[3].run: 'pip install -e .' bypasses the Makefile" in joined
    assert "jobs.build.steps[4].run: make target 'no-such-target' is not defined" in joined
    # A .ci/ helper wrapping make: the wrapped target is checked like any other.
    assert "jobs.build.steps[7].run: make target 'no-such-wrapped' is not defined" in joined
    # A secrets expression, a full SHA, `make lint`, a .ci/ helper (wrapping one) pass.
    assert "API_KEY" not in joined and "steps[2]" not in joined and "steps[5]" not in joined
    assert "steps[6]" not in joined


def test_policy_cli_exit_codes(tmp_path, monkeypatch):
    from lakehouse_bi.ci.workflow_policy import main

    monkeypatch.chdir(ROOT)
    assert main([]) == 0
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    assert main([str(bad)]) == 1


def _check_jsonschema() -> str:
    # The virtualenv's own script first: pytest may run without the venv on PATH.
    beside = Path(sys.executable).with_name("check-jsonschema")
    found = str(beside) if beside.exists() else shutil.which("check-jsonschema")
    if found is None:
        pytest.fail("check-jsonschema is a dev dependency; install the [dev] extra")
    return found


def test_vendored_github_schema_accepts_ours_and_rejects_a_broken_one(tmp_path):
    """check-jsonschema's vendored SchemaStore schema, no network (what make lint runs)."""
    command = [_check_jsonschema(), "--builtin-schema", "vendor.github-workflows"]
    ours = subprocess.run(
        [*command, *map(str, sorted(WORKFLOWS.glob("*.yml")))], capture_output=True, text=True
    )
    assert ours.returncode == 0, ours.stdout + ours.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    stepz: []\n")
    result = subprocess.run([*command, str(broken)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "stepz" in result.stdout + result.stderr


def test_pre_commit_runs_both_workflow_checks():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert "vendor.github-workflows" in hooks["check-github-workflows"]["entry"]
    assert hooks["workflow-policy"]["entry"].endswith("lakehouse_bi.ci.workflow_policy")


def test_ci_helper_scripts_are_valid_bash():
    for script in (ROOT / ".ci").glob("*.sh"):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, (script.name, result.stderr)


def test_prod_deploy_needs_staging_and_an_environment_and_oidc():
    cd = yaml.safe_load((WORKFLOWS / "cd.yml").read_text())
    prod = cd["jobs"]["deploy-prod"]
    assert prod["environment"] == "prod"
    assert prod["needs"] == "deploy-staging"
    for job in cd["jobs"].values():
        assert job["permissions"]["id-token"] == "write"
    assert cd["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
    # The artifact slim CI downloads is the one the prod job uploads.
    uploads = [s for s in prod["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads[0]["with"]["name"] == "prod-manifest"
    ci_text = (WORKFLOWS / "ci.yml").read_text()
    assert "make fetch-state" in ci_text
    assert "prod-manifest" in (ROOT / "Makefile").read_text()


def _cli_version_project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    (copy / ".github").mkdir(parents=True)
    shutil.copytree(WORKFLOWS, copy / ".github" / "workflows")
    shutil.copytree(ROOT / "docs", copy / "docs")
    for name in ("databricks.yml", "constraints.txt", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    return copy


def test_one_databricks_cli_version_everywhere(tmp_path):
    """databricks.yml's bundle.databricks_cli_version is the source; every setup-cli step
    installs it, it is not older than databricks-bundles, and the docs name it."""
    from lakehouse_bi.ci.cli_version import main, pinned_cli_version, version_problems

    assert version_problems(ROOT) == [] and main([str(ROOT)]) == 0
    version = pinned_cli_version(ROOT)
    assert f"databricks-bundles=={version}" in (ROOT / "constraints.txt").read_text()
    steps = [
        step
        for path in WORKFLOWS.glob("*.yml")
        for job in yaml.safe_load(path.read_text())["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("databricks/setup-cli@")
    ]
    assert len(steps) == 3 and all(str(s["with"]["version"]) == version for s in steps)

    project = _cli_version_project(tmp_path)
    cd = project / ".github" / "workflows" / "cd.yml"
    cd.write_text(cd.read_text().replace(f"version: {version}", "version: 1.13.0", 1))
    docs = project / "docs" / "DEPLOYMENT.md"
    docs.write_text(docs.read_text() + "\nInstall the Databricks CLI\n(v0.250 or newer).\n")
    bundle = project / "databricks.yml"
    bundle.write_text(bundle.read_text().replace(f'">= {version}"', '">= 1.13.0"'))
    problems = version_problems(project)
    assert main([str(project)]) == 1
    assert any("older than databricks-bundles" in p for p in problems), problems
    # The pin is now 1.13.0: the one step changed agrees, the two others do not.
    mismatched = [p for p in problems if ".with.version: '1.22.1', expected '1.13.0'" in p]
    assert len(mismatched) == 2, problems
    assert sum("docs/DEPLOYMENT.md" in p and "0.250" in p for p in problems) == 1
    bundle.write_text(bundle.read_text().replace('">= 1.13.0"', '"1.22.1"'))
    assert "must be '>= X.Y.Z'" in version_problems(project)[0]
