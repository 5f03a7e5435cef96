"""A policy problem, located by file and key, and the error that reports them all."""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse_bi.errors import ConfigError


@dataclass(frozen=True, order=True)
class Violation:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class PolicyError(ConfigError):
    """One or more governance policies are invalid."""

    def __init__(self, violations: list[str]) -> None:
        listing = "\n".join(f"  - {line}" for line in violations)
        super().__init__(
            f"{len(violations)} governance policy problem(s):\n{listing}",
            "Fix each key named above (docs/GOVERNANCE.md lists what a policy may name), "
            "then rerun `lakehouse-bi validate governance`.",
        )
        self.violations = violations
