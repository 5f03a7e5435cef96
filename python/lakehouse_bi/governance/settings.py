"""The project-wide governance settings: vars in dbt_project.yml and the governance seeds."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from lakehouse_bi.governance.violations import Violation

PROJECT_FILE = "dbt_project.yml"
REGION_ACCESS = "seeds/region_access.csv"
PERSONAS = "seeds/governance_personas.csv"
COUNTRIES = "seeds/countries.csv"


class GovernanceVars(BaseModel):
    """The shape of the governance vars (their names are checked by settings_checks)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    governance_schema: str
    governance_groups: dict[str, str]
    governance_unmasked_roles: list[str]
    governance_raw_pii_roles: list[str]


@dataclass(frozen=True)
class SeedRow:
    file: str
    line: int  # 1-based, header is line 1
    values: dict[str, str]

    def key(self, column: str) -> str:
        return f"line {self.line}.{column}"


@dataclass(frozen=True)
class Settings:
    vars: GovernanceVars
    region_access: list[SeedRow]
    personas: list[SeedRow]
    country_regions: dict[str, str]

    @property
    def roles(self) -> set[str]:
        return set(self.vars.governance_groups)


def load_settings(project_dir: Path) -> tuple[Settings | None, list[Violation]]:
    """Settings read from the project, or the violations that make them unusable."""
    project = yaml.safe_load((project_dir / PROJECT_FILE).read_text()) or {}
    try:
        governance_vars = GovernanceVars.model_validate(project.get("vars") or {})
    except ValidationError as error:
        return None, [
            Violation(
                PROJECT_FILE,
                "vars." + ".".join(str(part) for part in problem["loc"]),
                _pydantic_message(problem),
            )
            for problem in error.errors()
        ]
    countries = _read_csv(project_dir, COUNTRIES)
    settings = Settings(
        vars=governance_vars,
        region_access=_read_csv(project_dir, REGION_ACCESS),
        personas=_read_csv(project_dir, PERSONAS),
        country_regions={row.values["country_code"]: row.values["region"] for row in countries},
    )
    return settings, []


def _pydantic_message(problem: dict) -> str:
    if problem["type"] == "missing":
        return "missing (docs/GOVERNANCE.md lists the governance vars)"
    return problem["msg"]


def _read_csv(project_dir: Path, relative: str) -> list[SeedRow]:
    with (project_dir / relative).open(newline="") as handle:
        return [
            SeedRow(relative, line, row) for line, row in enumerate(csv.DictReader(handle), start=2)
        ]
