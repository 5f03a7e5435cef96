"""`lakehouse-bi validate` on the real project: the glossary passes, and a term naming a
column the project does not declare is rejected with its file and key."""

from __future__ import annotations

import subprocess

from project_copy import copy_project

from lakehouse_bi.pipeline.dbt_commands import venv_tool


def _validate(project, *args):
    return subprocess.run(
        [venv_tool("lakehouse-bi"), "validate", "--project-dir", str(project), *args],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_glossary_of_the_project_and_a_missing_column(tmp_path):
    project = copy_project(tmp_path)
    good = _validate(project, "--only", "glossary", "--only", "profiles", "--only", "vars")
    assert good.returncode == 0, good.stdout + good.stderr
    glossary = project / "glossary.yml"
    glossary.write_text(
        glossary.read_text().replace("- dq_scores.dq_score", "- dq_scores.dq_grade")
    )
    bad = _validate(project, "--only", "glossary")
    assert bad.returncode == 2
    assert (
        "[glossary] glossary.yml: terms[6].columns[0]: 'dq_scores.dq_grade': column 'dq_grade' "
        "is not declared in dq_scores's YAML"
    ) in bad.stderr
