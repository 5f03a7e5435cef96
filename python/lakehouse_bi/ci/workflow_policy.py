"""Offline policy for `.github/workflows/*.yml`, run by `make lint` (pre-commit hook
`workflow-policy`) beside check-jsonschema's schema check:

- every `uses:` names a full 40-hex commit SHA or an exact `vMAJOR.MINOR.PATCH` tag (a moving
  tag such as `v4` or a branch such as `main` can change under the workflow);
- no secret in plain text: a value of an env/with key that names a secret (token, secret,
  password, key) must be a `${{ secrets.* }}`/`${{ github.token }}` expression;
- every `run:` step goes through the developer's entry points: `make <target>` with a target
  the Makefile defines, or a CI-only helper script under `.ci/`.

Usage: `python -m lakehouse_bi.ci.workflow_policy [FILE ...]` (default: every workflow), exit 1
with one line per problem naming the file and the key."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

PINNED_REF = re.compile(r"^(?:[0-9a-f]{40}|v\d+\.\d+\.\d+)$")
SECRET_KEY = re.compile(r"(token|secret|password|passwd|api[_-]?key|private[_-]?key)", re.I)
SAFE_SECRET_VALUE = re.compile(r"^\$\{\{\s*(secrets\.[A-Za-z0-9_]+|github\.token)\s*\}\}$")
MAKE_TARGET = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):(?!=)", re.M)
CI_SCRIPT_DIR = ".ci/"


def makefile_targets(makefile: Path) -> set[str]:
    """Target names defined in a Makefile (`name:` at a line start, not `name :=`)."""
    return set(MAKE_TARGET.findall(makefile.read_text()))


def _steps(workflow: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for job_name, job in (workflow.get("jobs") or {}).items():
        for index, step in enumerate(job.get("steps") or []):
            yield job_name, index, step


def _env_blocks(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "env", workflow.get("env") or {}
    for job_name, job in (workflow.get("jobs") or {}).items():
        yield f"jobs.{job_name}.env", job.get("env") or {}
    for job_name, index, step in _steps(workflow):
        yield f"jobs.{job_name}.steps[{index}].env", step.get("env") or {}
        yield f"jobs.{job_name}.steps[{index}].with", step.get("with") or {}


def run_commands(script: str) -> list[list[str]]:
    """The commands of a `run:` script: one per line, `&&`/`;` splitting a line."""
    commands = []
    for line in script.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"&&|;", line):
            words = shlex.split(part, comments=True)
            if words:
                commands.append(words)
    return commands


def workflow_problems(path: Path, targets: set[str]) -> list[str]:
    """Every policy problem of one workflow file, each naming the file and the key."""
    try:
        workflow = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        return [f"{path}: not valid YAML: {error}"]
    if not isinstance(workflow, dict):
        return [f"{path}: not a workflow (expected a mapping)"]
    problems = []
    for job_name, index, step in _steps(workflow):
        where = f"{path}: jobs.{job_name}.steps[{index}]"
        uses = step.get("uses")
        if uses and not uses.startswith(("./", "docker://")):
            ref = uses.partition("@")[2]
            if not PINNED_REF.match(ref):
                problems.append(
                    f"{where}.uses: {uses!r} is not pinned to a full commit SHA or an exact "
                    "vX.Y.Z tag"
                )
        if "run" in step:
            for words in run_commands(str(step["run"])):
                problems.extend(_run_problems(where, words, targets))
    for where, block in _env_blocks(workflow):
        for key, value in block.items():
            text = str(value).strip()
            if SECRET_KEY.search(str(key)) and text and not SAFE_SECRET_VALUE.match(text):
                problems.append(
                    f"{path}: {where}.{key}: a secret-like key holds a plain value; use "
                    "${{ secrets.NAME }} or OIDC"
                )
    return problems


def _run_problems(where: str, words: list[str], targets: set[str]) -> list[str]:
    program = words[0]
    if program.startswith(CI_SCRIPT_DIR) and words[1:2] == ["make"]:
        # A .ci/ helper wrapping a make target (e.g. a token scoped to that one command).
        return _run_problems(where, words[1:], targets)
    if program.startswith(CI_SCRIPT_DIR) or program == "echo":
        return []
    if program != "make":
        return [
            f"{where}.run: {' '.join(words)!r} bypasses the Makefile; call `make <target>` "
            "(what a developer runs) or a helper under .ci/"
        ]
    named = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    if not named:
        return [f"{where}.run: `make` without a target"]
    return [
        f"{where}.run: make target {target!r} is not defined in the Makefile"
        for target in named
        if target not in targets
    ]


def main(argv: list[str] | None = None) -> int:
    """Check the given workflow files (default: .github/workflows/*.yml); 1 on problems."""
    root = Path.cwd()
    files = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])]
    files = files or sorted((root / ".github/workflows").glob("*.y*ml"))
    targets = makefile_targets(root / "Makefile")
    problems = [problem for path in files for problem in workflow_problems(path, targets)]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
