"""Where the project keeps its inputs and outputs, and the environment dbt and edr run with."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lakehouse_bi.errors import ConfigError


@dataclass(frozen=True)
class ProjectPaths:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> ProjectPaths:
        """The dbt project folder at or above `start` (the current directory by default)."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "dbt_project.yml").is_file():
                return cls(folder)
        raise ConfigError(
            f"No dbt_project.yml in {here} or any parent folder.",
            "Run lakehouse-bi from inside the lakehouse-bi project (or pass --project-dir).",
        )

    @property
    def landing(self) -> Path:
        return Path(os.environ.get("LAKEHOUSE_BI_LANDING_ROOT", self.root / "data/landing"))

    @property
    def duckdb(self) -> Path:
        return Path(
            os.environ.get("LAKEHOUSE_BI_DUCKDB_PATH", self.root / "data/lakehouse_bi.duckdb")
        )

    @property
    def target(self) -> Path:
        """dbt's target path; DBT_TARGET_PATH moves it as it moves dbt's own."""
        return Path(os.environ.get("DBT_TARGET_PATH", self.root / "target"))

    @property
    def docs_index(self) -> Path:
        return self.target / "index.html"

    @property
    def elementary_report(self) -> Path:
        return Path(
            os.environ.get("LAKEHOUSE_BI_REPORT_PATH", self.root / "reports/elementary_report.html")
        )

    @property
    def profiles_dir(self) -> Path:
        """profiles.yml of the project when present (make setup copies the example there)."""
        if (self.root / "profiles.yml").is_file():
            return self.root
        default = Path.home() / ".dbt"
        if (default / "profiles.yml").is_file():
            return default
        raise ConfigError(
            f"No profiles.yml in {self.root} or {default}.",
            "Run `make setup` (it copies profiles.yml.example) or copy it yourself.",
        )

    def environment(self) -> dict[str, str]:
        """The process environment plus the absolute paths dbt and edr must agree on."""
        env = dict(os.environ)
        env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        env["LAKEHOUSE_BI_DUCKDB_PATH"] = str(self.duckdb.resolve())
        env["LAKEHOUSE_BI_LANDING_ROOT"] = str(self.landing.resolve())
        return env
