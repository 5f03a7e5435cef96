"""A local pipeline built once per session in a temp folder: landing files, DuckDB, dbt target."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from local_pipeline import FIXED_END_DATE, LocalPipeline


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory) -> Iterator[LocalPipeline]:
    """Small generated landing data, built once with `dbt build` on DuckDB."""
    local = LocalPipeline(tmp_path_factory.mktemp("pipeline"))
    local.prepare()
    local.generate(4000, 7, "--end-date", FIXED_END_DATE)
    local.dbt("build")
    yield local


# --- Observability (issue 4) ---------------------------------------------------------------
# One pipeline on fresh-dated data, built twice and freshness-checked once, shared by the
# tests/integration/test_observability_*.py modules (history, audit, health, lineage, report).

AUDIT_ACTOR = "ci-observability"
AUDIT_COMMIT = "0123456789abcdef0123456789abcdef01234567"
SECOND_RUN_REASON = "second run for the history test"


@dataclass
class ObservedPipeline(LocalPipeline):
    """A LocalPipeline that declares who runs it and remembers each dbt invocation."""

    invocations: list[tuple[str, str]] = field(default_factory=list)  # (invocation id, command)
    test_result_counts: list[int] = field(default_factory=list)  # after each build
    env_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def stale_landing(self) -> Path:
        return self.root / "landing_stale"

    @property
    def built_manifest(self) -> Path:
        """The manifest right after the second build (later commands drop compiled SQL)."""
        return self.root / "manifest_after_build.json"

    @property
    def built_run_results(self) -> Path:
        """run_results.json of the second build (for the OpenLineage export)."""
        return self.root / "run_results_after_build.json"

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "DBT_AUDIT_ACTOR": AUDIT_ACTOR,
            "LAKEHOUSE_BI_GIT_COMMIT": AUDIT_COMMIT,
            **self.env_overrides,
        }

    @contextlib.contextmanager
    def overridden_env(self, **values: str) -> Iterator[None]:
        self.env_overrides.update(values)
        try:
            yield
        finally:
            for name in values:
                self.env_overrides.pop(name, None)

    def recorded_dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run dbt and record its invocation id from the artifact it wrote."""
        completed = self.dbt(*args, check=check)
        artifact = "sources.json" if args[:2] == ("source", "freshness") else "run_results.json"
        metadata = json.loads((self.target / artifact).read_text())["metadata"]
        self.invocations.append((metadata["invocation_id"], args[0]))
        return completed

    def freshness_against(self, landing: Path) -> subprocess.CompletedProcess:
        """`dbt source freshness` over another landing folder (files only, no rebuild).

        The folder is swapped into the landing root's place for the run and back afterwards,
        rather than pointing LAKEHOUSE_BI_LANDING_ROOT at it: dbt_project.yml reads that
        variable, and a new value makes dbt parse the whole project again (local_pipeline.py)."""
        if landing == self.landing:
            return self.recorded_dbt("source", "freshness", check=False)
        parked = self.root / "landing_parked"
        self.landing.rename(parked)
        landing.rename(self.landing)
        try:
            return self.recorded_dbt("source", "freshness", check=False)
        finally:
            self.landing.rename(landing)
            parked.rename(self.landing)

    def count_test_results(self) -> int:
        return self.query("select count(*) from elementary.elementary_test_results")[0][0]


@pytest.fixture(scope="session")
def observed(tmp_path_factory) -> Iterator[ObservedPipeline]:
    """Data ending today (fresh against the SLAs) built twice, then `dbt source freshness`;
    plus a landing folder ending 2025-12-31 (stale) for the health check to catch."""
    local = ObservedPipeline(tmp_path_factory.mktemp("observed"))
    local.prepare()
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    local.generate(2000, 11, "--end-date", today)
    local.generate(200, 11, "--end-date", "2025-12-31", output=local.stale_landing)
    for extra in ((), ("--vars", f"{{reason: {SECOND_RUN_REASON}}}")):
        local.recorded_dbt("build", *extra)
        local.test_result_counts.append(local.count_test_results())
    shutil.copy(local.target / "manifest.json", local.built_manifest)
    shutil.copy(local.target / "run_results.json", local.built_run_results)
    local.recorded_dbt("source", "freshness")
    yield local
