"""`lakehouse-bi demo` reuses landed sample data only when it is today's (its window ends today)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lakehouse_bi.pipeline import demo
from lakehouse_bi.pipeline.project import ProjectPaths


@pytest.fixture
def paths(tmp_path, monkeypatch) -> ProjectPaths:
    monkeypatch.setenv("LAKEHOUSE_BI_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setattr(demo, "utc_today", lambda: dt.date(2026, 11, 29))
    (tmp_path / "landing").mkdir()
    return ProjectPaths(tmp_path)


def land_manifest(paths: ProjectPaths, **fields) -> None:
    manifest = {"scenario": "small", "seed": 42, "end_date": "2026-11-29", **fields}
    (paths.landing / "_manifest.json").write_text(json.dumps(manifest))


def test_todays_data_of_the_same_scenario_and_seed_is_reused(paths):
    land_manifest(paths)
    assert demo._landed_with(paths, "small", 42)


@pytest.mark.parametrize(
    "fields",
    [{"end_date": "2026-11-28"}, {"seed": 7}, {"scenario": "medium"}],
    ids=["yesterday", "other seed", "other scenario"],
)
def test_stale_or_other_data_is_not_reused(paths, fields):
    land_manifest(paths, **fields)
    assert not demo._landed_with(paths, "small", 42)


def test_nothing_landed_is_not_reused(paths):
    assert not demo._landed_with(paths, "small", 42)
