"""Bad files given to the CLI are clear errors (issue 24): a malformed --manifest, a catalog or
warehouse file that is not what it should be -> exit 2 (ConfigError) naming the argument and
what to do, never a traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from ops_support import make_project

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]
MALFORMED = ['{"metadata": {"adapter_type": "duckdb"', "not json at all", "[1, 2]", "{}"]


def _clear(result, *expected: str) -> None:
    assert result.exit_code == ConfigError.exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    assert "What to do:" in result.output


@pytest.mark.parametrize("text", MALFORMED)
def test_validate_governance_with_a_malformed_manifest(tmp_path, text):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(text)
    result = CliRunner().invoke(
        main, ["validate", "governance", "--project-dir", str(PROJECT), "--manifest", str(manifest)]
    )
    _clear(result, "--manifest", str(manifest))


def test_validate_governance_with_a_malformed_catalog(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"metadata": {"project_name": "lakehouse_bi"}, "nodes": {}}')
    catalog = tmp_path / "catalog.json"
    catalog.write_text("{truncated")
    result = CliRunner().invoke(
        main,
        ["validate", "governance", "--project-dir", str(PROJECT), "--manifest", str(manifest),
         "--catalog", str(catalog)],
    )  # fmt: skip
    _clear(result, "--catalog", str(catalog), "not valid JSON")


@pytest.mark.parametrize("text", MALFORMED)
def test_health_with_a_malformed_manifest(tmp_path, monkeypatch, text):
    root = make_project(tmp_path / "project", monkeypatch)
    manifest = root / "broken.json"
    manifest.write_text(text)
    result = CliRunner().invoke(main, ["health", "--manifest", str(manifest)])
    _clear(result, "--manifest", str(manifest))


def _not_duckdb(root: Path) -> Path:
    fake = root / "warehouse.duckdb"
    fake.write_text("this is a text file, not a DuckDB database\n")
    return fake


def test_health_pointed_at_a_file_that_is_not_duckdb(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project", monkeypatch)
    fake = _not_duckdb(root)
    manifest = root / "target/manifest.json"
    manifest.parent.mkdir()
    manifest.write_text(
        '{"metadata": {"adapter_type": "duckdb", "project_name": "lakehouse_bi"}, '
        '"nodes": {}, "sources": {}}'
    )
    result = CliRunner().invoke(main, ["health"])
    _clear(result, str(fake), "LAKEHOUSE_BI_DUCKDB_PATH", "not a valid DuckDB database")
    assert fake.read_text().startswith("this is a text file")  # untouched


def test_dashboards_preview_pointed_at_a_file_that_is_not_duckdb(tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT)
    fake = _not_duckdb(tmp_path)
    monkeypatch.setenv("LAKEHOUSE_BI_DUCKDB_PATH", str(fake))
    output = tmp_path / "preview.html"
    result = CliRunner().invoke(main, ["dashboards", "preview", "--output", str(output)])
    _clear(result, str(fake), "LAKEHOUSE_BI_DUCKDB_PATH")
    assert not output.exists()
