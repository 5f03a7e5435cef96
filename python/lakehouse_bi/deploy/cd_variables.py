"""The bundle variables CD passes, read from the workflow itself (.github/workflows/cd.yml).

Each deploy job of cd.yml names its bundle target in `env.TARGET` and passes bundle variables
as `BUNDLE_VAR_<name>` environment variables (workflow-level `env` plus the job's own), from
GitHub repository or environment variables (`${{ vars.X }}`) or secrets. The offline checks
(`lakehouse-bi validate`, the unit tests) resolve every target with exactly those variables,
so a target whose identity or warehouse CD leaves empty fails before a deploy does:

- in CD itself the step's environment holds the real values (`BUNDLE_VAR_*` are job-level
  env), and those are used: an unset GitHub variable arrives as an empty string;
- elsewhere (a laptop, CI's validate job) the workflow's own expression stands for the value
  CD will pass: `${{ vars.DATABRICKS_WAREHOUSE_ID }}` is a non-empty value known only in CD.
  A variable CD does not pass keeps its databricks.yml value (target block or default).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from lakehouse_bi.deploy.bundle_config import ENV_PREFIX
from lakehouse_bi.errors import ConfigError

CD_WORKFLOW = Path(".github/workflows/cd.yml")
# A GitHub Actions expression standing for a value only CD knows.
CI_EXPRESSION = re.compile(r"^\$\{\{[^}]*\}\}$")


@dataclass(frozen=True)
class CdDeployJob:
    """One deploy job of cd.yml: its key, the bundle target, and the bundle variables it
    passes (variable name -> the workflow's value, usually a `${{ vars.X }}` expression)."""

    job: str
    target: str
    variables: dict[str, str]


def is_ci_expression(value: object) -> bool:
    """True for a value that is one GitHub Actions expression (`${{ vars.X }}`)."""
    return isinstance(value, str) and bool(CI_EXPRESSION.match(value.strip()))


def cd_deploy_jobs(project_dir: Path) -> dict[str, CdDeployJob]:
    """Target -> the cd.yml job deploying it ({} without cd.yml). ConfigError naming the file
    when it is not YAML or two jobs deploy the same target."""
    path = project_dir / CD_WORKFLOW
    if not path.is_file():
        return {}
    try:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    shared = {str(k): str(v) for k, v in (workflow.get("env") or {}).items()}
    found: dict[str, CdDeployJob] = {}
    for key, job in (workflow.get("jobs") or {}).items():
        env = {**shared, **{str(k): str(v) for k, v in ((job or {}).get("env") or {}).items()}}
        target = env.get("TARGET")
        if not target:
            continue
        if target in found:
            raise ConfigError(
                f"{path}: jobs {found[target].job} and {key} both deploy target {target!r}."
            )
        variables = {
            name[len(ENV_PREFIX) :]: value
            for name, value in env.items()
            if name.startswith(ENV_PREFIX)
        }
        found[target] = CdDeployJob(key, target, variables)
    return found


def cd_variable_values(
    project_dir: Path, target: str, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The bundle variables CD passes for `target` (see the module docstring): the value in
    `environ` (default os.environ) when CD set it there, else the workflow's expression."""
    environ = os.environ if environ is None else environ
    job = cd_deploy_jobs(project_dir).get(target)
    if job is None:
        return {}
    return {
        name: environ.get(ENV_PREFIX + name, expression)
        for name, expression in job.variables.items()
    }
