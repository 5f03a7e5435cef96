"""One pass over every spec check: each spec file kind exposes
`spec_problems(project_dir: Path) -> list[str]` (problems naming file and key; empty = valid)
in its own module, and is listed here once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lakehouse_bi import entity_registry
from lakehouse_bi.delta import physical_design
from lakehouse_bi.deploy import dashboard_checks, jobs_spec
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.glossary import glossary
from lakehouse_bi.ops import cost
from lakehouse_bi.spec import (
    model_quality,
    policies,
    profiles,
    project_evaluator,
    project_vars,
)

SpecCheck = Callable[[Path], list[str]]

# name -> check, in the order they run (cheap file checks first, dbt parses last, then the
# dbt build of dbt Labs' project evaluator on a scratch DuckDB file).
REGISTRY: dict[str, SpecCheck] = {
    "profiles": profiles.spec_problems,
    "vars": project_vars.spec_problems,
    "entities": entity_registry.spec_problems,
    "jobs": jobs_spec.spec_problems,
    "physical_design": physical_design.spec_problems,
    "cost": cost.spec_problems,
    "glossary": glossary.spec_problems,
    "dashboards": dashboard_checks.spec_problems,
    "policies": policies.spec_problems,
    "models": model_quality.spec_problems,
    "evaluator": project_evaluator.spec_problems,
}


class SpecError(ConfigError):
    """One or more spec files are invalid; `problems` maps each check to its problems."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        count = sum(len(found) for found in problems.values())
        lines = [f"  - [{name}] {problem}" for name, found in problems.items() for problem in found]
        super().__init__(
            f"{count} spec problem(s):\n" + "\n".join(lines),
            "Fix each file and key named above, then rerun `lakehouse-bi validate` "
            "(docs/TROUBLESHOOTING.md lists what each check expects).",
        )
        self.problems = problems


def run_checks(
    project_dir: Path, only: tuple[str, ...] = (), skip: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Run the registered checks (all, or `only`, minus `skip`); check name -> problems.
    Raises ConfigError for an unknown check name."""
    unknown = sorted((set(only) | set(skip)) - set(REGISTRY))
    if unknown:
        raise ConfigError(
            f"Unknown spec check(s): {', '.join(unknown)}.",
            f"Choose from: {', '.join(REGISTRY)}.",
        )
    names = [name for name in REGISTRY if (not only or name in only) and name not in skip]
    return {name: REGISTRY[name](project_dir) for name in names}
