"""Slim CI (docs/CI.md): `state:modified+` against a stored production manifest selects
exactly the changed model and everything downstream of it, and nothing when nothing changed,
although the PR is parsed for another target (dev) than the manifest (prod)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from project_copy import copy_project

from lakehouse_bi.governance.dbt_parse import PLACEHOLDER_ENV
from lakehouse_bi.pipeline.dbt_commands import venv_tool

CHANGED_MODEL = "models/gold/fct_sales.sql"
CHANGED_ID = "model.lakehouse_bi.fct_sales"


def _dbt(project: Path, *args: str) -> str:
    env = {**os.environ, **PLACEHOLDER_ENV, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("DBT_TARGET_PATH", None)
    completed = subprocess.run(
        [venv_tool("dbt"), *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def _selected(project: Path, state: Path, *extra: str) -> set[str]:
    output = _dbt(
        project, "ls", "--quiet", "--target", "dev", "--resource-type", "model",
        "--select", "state:modified+", "--state", str(state),
        "--output", "json", "--output-keys", "unique_id", *extra,
    )  # fmt: skip
    return {json.loads(line)["unique_id"] for line in output.splitlines() if line.strip()}


def _descendants(manifest: dict, unique_id: str) -> set[str]:
    """The node and every model downstream of it, from the stored manifest's child map."""
    found, pending = {unique_id}, [unique_id]
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child.startswith("model.") and child not in found:
                found.add(child)
                pending.append(child)
    return found


@pytest.fixture(scope="module")
def prod_state(tmp_path_factory) -> tuple[Path, Path]:
    """A project copy and the manifest a production deploy stores (`make state-manifest`)."""
    project = copy_project(tmp_path_factory.mktemp("slim_ci_project"))
    state = tmp_path_factory.mktemp("prod_state")
    _dbt(project, "parse", "--quiet", "--target", "prod", "--target-path", str(state))
    return project, state


def test_nothing_selected_when_nothing_changed(prod_state):
    project, state = prod_state
    assert _selected(project, state) == set()


def test_slim_cis_own_governance_schema_modifies_nothing(prod_state):
    """`make slim-ci` renders the policy functions into ci_pr_<n>_governance (its own schema,
    docs/CI.md): that alone must not mark the masked and filtered models modified."""
    project, state = prod_state
    own = "--vars", "{governance_schema: ci_pr_7_governance}"
    assert _selected(project, state, *own) == set()


def test_a_changed_model_selects_itself_and_its_descendants(prod_state):
    project, state = prod_state
    model = project / CHANGED_MODEL
    original = model.read_text()
    model.write_text(original + "\n-- reviewed in a pull request\n")
    try:
        manifest = json.loads((state / "manifest.json").read_text())
        expected = _descendants(manifest, CHANGED_ID)
        assert len(expected) > 1  # fct_sales feeds the dashboard marts
        assert _selected(project, state) == expected
    finally:
        model.write_text(original)
