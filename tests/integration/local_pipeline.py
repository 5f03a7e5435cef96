"""A dbt pipeline on DuckDB in a temp folder: its landing files, database and dbt target."""

from __future__ import annotations

import atexit
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# `generate` ends its default window today; pipelines whose checks were written against fixed
# data pass this end date so their data is the same on every day.
FIXED_END_DATE = "2025-12-31"

# dbt parses the whole project (~30-45 s on the 2-core reference machine) unless the target
# holds a partial_parse.msgpack made with the same vars, profile connection (the DuckDB path)
# and values of the env vars dbt_project.yml reads (the landing root). So every pipeline of a
# test process runs under one path, ACTIVE, a symlink pointed at its root before each
# command, and a parse made for one pipeline seeds the next one's target (PARSES). dbt still
# checks the saved state and every file's checksum itself and reparses what differs: a seed
# that does not fit costs the parse it would have cost anyway, never a wrong result.
_HOME = Path(tempfile.mkdtemp(prefix="lakehouse-bi-pipelines-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
ACTIVE = _HOME / "active"
PARSES = _HOME / "parses"
PARTIAL_PARSE = "partial_parse.msgpack"


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
        """The environment of its commands: every path under ACTIVE (its root while it runs),
        so that two pipelines' dbt parses are alike."""
        return {
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_TARGET": "local",
            "LAKEHOUSE_BI_LANDING_ROOT": str(ACTIVE / "landing"),
            "LAKEHOUSE_BI_DUCKDB_PATH": str(ACTIVE / "warehouse.duckdb"),
            "LAKEHOUSE_BI_REPORT_PATH": str(ACTIVE / "elementary_report.html"),
            "DBT_TARGET_PATH": str(ACTIVE / "target"),
            "DBT_LOG_PATH": str(ACTIVE / "logs"),
        }

    def seen_by_dbt(self, path: Path) -> Path:
        """`path` under this pipeline's root as its commands name it (under ACTIVE)."""
        return ACTIVE / Path(path).relative_to(self.root)

    def _activate(self, command: tuple[str, ...], env: dict[str, str]) -> Path:
        """Point ACTIVE at this pipeline and seed its target with the last parse made for
        the same project, environment and `--vars`/`--target` (the file of PARSES it uses)."""
        self.root.mkdir(parents=True, exist_ok=True)
        link = ACTIVE.with_name(f"{ACTIVE.name}.next")
        link.unlink(missing_ok=True)
        link.symlink_to(self.root.resolve(), target_is_directory=True)
        link.replace(ACTIVE)  # atomic: ACTIVE always names one pipeline
        flags = [f"{a}={b}" for a, b in itertools.pairwise(command) if a in ("--vars", "--target")]
        # pytest's own variables (PYTEST_CURRENT_TEST names each test) reach no dbt parse.
        parsed_env = sorted((k, v) for k, v in env.items() if not k.startswith("PYTEST_"))
        key = repr((str(self.project), parsed_env, flags))
        seed = PARSES / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"
        if seed.exists():
            self.target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(seed, self.target / PARTIAL_PARSE)
        return seed

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
        env = self.env()
        seed = self._activate(command, env)
        parsed = self.target / PARTIAL_PARSE
        before = parsed.stat().st_mtime_ns if parsed.exists() else None
        completed = subprocess.run(
            [str(tool), *command[1:]],
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if parsed.exists() and parsed.stat().st_mtime_ns != before:  # this command parsed
            PARSES.mkdir(exist_ok=True)
            shutil.copyfile(parsed, seed)
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
