"""Policy rules across the project: role lists in vars and the governance seeds."""

from __future__ import annotations

from collections.abc import Iterator

from lakehouse_bi.governance.policy import is_plain_identifier
from lakehouse_bi.governance.settings import PROJECT_FILE, Settings
from lakehouse_bi.governance.violations import Violation

WILDCARD = "*"


def check_settings(settings: Settings) -> Iterator[Violation]:
    yield from _check_names(settings)
    for var in ("governance_unmasked_roles", "governance_raw_pii_roles"):
        for index, role in enumerate(getattr(settings.vars, var)):
            if role not in settings.roles:
                yield Violation(
                    PROJECT_FILE,
                    f"vars.{var}[{index}]",
                    f"unknown group role {role!r} (not in vars.governance_groups)",
                )
    yield from _check_region_access(settings)
    for row in settings.personas:
        yield from _check_role(settings, row.file, row.key("role"), row.values.get("role"))
        if not is_plain_identifier(row.values.get("persona")):
            yield Violation(row.file, row.key("persona"), "not a plain SQL identifier")


def _check_names(settings: Settings) -> Iterator[Violation]:
    """Every name in the governance vars reaches SQL: each must be a plain identifier."""
    names = {"vars.governance_schema": settings.vars.governance_schema}
    for role, group in settings.vars.governance_groups.items():
        names[f"vars.governance_groups.{role}"] = group
        if not is_plain_identifier(role):
            yield Violation(
                PROJECT_FILE,
                f"vars.governance_groups.{role}",
                f"role name {role!r} is not a plain SQL identifier",
            )
    for key, name in names.items():
        if not is_plain_identifier(name):
            yield Violation(PROJECT_FILE, key, f"{name!r} is not a plain SQL identifier")


def _check_role(settings: Settings, file: str, key: str, role: str | None) -> Iterator[Violation]:
    if role not in settings.roles:
        yield Violation(file, key, f"unknown group role {role!r} (not in vars.governance_groups)")


def _check_region_access(settings: Settings) -> Iterator[Violation]:
    for row in settings.region_access:
        yield from _check_role(settings, row.file, row.key("role"), row.values.get("role"))
        country, region = row.values.get("country_code"), row.values.get("region")
        if country == WILDCARD:
            if region != WILDCARD:
                yield Violation(row.file, row.key("region"), "use '*' with country_code '*'")
        elif country not in settings.country_regions:
            yield Violation(
                row.file,
                row.key("country_code"),
                f"unknown country {country!r} (not in seeds/countries.csv)",
            )
        elif region != settings.country_regions[country]:
            yield Violation(
                row.file,
                row.key("region"),
                f"{country} is in {settings.country_regions[country]!r}, not {region!r}",
            )
