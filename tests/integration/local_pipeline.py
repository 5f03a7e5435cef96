"""A dbt pipeline on DuckDB in a temp folder: its landing files, database and dbt target."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# `generate` ends its default window today; pipelines whose checks were written against fixed
# data pass this end date so their data is the same on every day.
FIXED_END_DATE = "2025-12-31"


@dataclass
class LocalPipeline:
    root: Path
    # The dbt project it runs (a copy, for tests that edit the project).
    project: Path = PROJECT

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def database(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def target(self) -> Path:
        return self.root / "target"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_TARGET": "local",
            "LAKEHOUSE_BI_LANDING_ROOT": str(self.landing),
            "LAKEHOUSE_BI_DUCKDB_PATH": str(self.database),
            "LAKEHOUSE_BI_REPORT_PATH": str(self.root / "elementary_report.html"),
            "DBT_TARGET_PATH": str(self.target),
            "DBT_LOG_PATH": str(self.root / "logs"),
        }

    def prepare(self, deps: bool = True) -> None:
        """The profile every test pipeline uses (the example's `local` target), and the dbt
        packages from the cache (dbt_packages/ is shared by the project)."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "profiles.yml").write_text((self.project / "profiles.yml.example").read_text())
        if deps:
            self.run("lakehouse-bi", "deps")

    def generate(self, rows: int, seed: int, *extra: str, output: Path | None = None) -> None:
        """`lakehouse-bi generate` (quiet, overwriting) into `output`, default the landing root."""
        self.run(
            "lakehouse-bi", "generate", "--rows", str(rows), "--seed", str(seed),
            "--output", str(output or self.landing), "--force", "--quiet", *extra,
        )  # fmt: skip

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        tool = BIN / command[0]
        completed = subprocess.run(
            [str(tool), *command[1:]],
            cwd=self.project,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if check and completed.returncode != 0:
            output = f"{completed.stdout[-6000:]}\n{completed.stderr[-3000:]}"
            pytest.fail(f"{' '.join(command)} failed:\n{output}")
        return completed

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("dbt", *args, "--profiles-dir", str(self.root), check=check)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def table(self, name: str) -> list[tuple]:
        return self.query(f"select * from {name} order by all")
