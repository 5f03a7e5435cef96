"""Scheduled data validation: row counts and built schemas of a real DuckDB database compared
with the previous run's report; declared columns missing from the built relation."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from click.testing import CliRunner

from lakehouse_bi.ci.data_validation import DataValidationError
from lakehouse_bi.cli import main


def _project(tmp_path: Path, rows: int, columns: dict[str, str]) -> Path:
    """A DuckDB file with gold.sales (`rows` rows), its manifest and catalog."""
    (tmp_path / "dbt_project.yml").write_text("name: shop\n")
    database = tmp_path / "wh.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema if not exists gold")
        connection.execute("drop table if exists gold.sales")
        definition = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        connection.execute(f"create table gold.sales ({definition})")
        values = ", ".join("null" for _ in columns)
        for _ in range(rows):
            connection.execute(f"insert into gold.sales values ({values})")
    target = tmp_path / "target"
    target.mkdir(exist_ok=True)
    node = {"resource_type": "model", "package_name": "shop", "name": "sales",
            "relation_name": '"wh"."gold"."sales"', "original_file_path": "models/sales.sql",
            "patch_path": "shop://models/_gold__models.yml",
            "columns": {"order_id": {}, "revenue": {}}}  # fmt: skip
    manifest = {"metadata": {"project_name": "shop", "adapter_type": "duckdb"},
                "nodes": {"model.shop.sales": node}}  # fmt: skip
    catalog = {"nodes": {"model.shop.sales": {"columns": {
        name.upper(): {"type": kind.upper(), "index": i}
        for i, (name, kind) in enumerate(columns.items(), 1)}}}}  # fmt: skip
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "catalog.json").write_text(json.dumps(catalog))
    return database


def _run(tmp_path, monkeypatch, *args):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAKEHOUSE_BI_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    return CliRunner().invoke(main, ["data-validation", "--report-dir", "out", *args])


def test_first_run_is_the_baseline_then_changes_are_caught(tmp_path, monkeypatch):
    _project(tmp_path, 10, {"order_id": "bigint", "revenue": "decimal(18,2)"})
    first = _run(tmp_path, monkeypatch)
    assert first.exit_code == 0, first.output
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["relations"]["model.shop.sales"]["rows"] == 10
    assert report["relations"]["model.shop.sales"]["columns"] == {
        "order_id": "bigint", "revenue": "decimal(18,2)"
    }  # fmt: skip
    baseline = tmp_path / "baseline.json"
    baseline.write_text((tmp_path / "out/report.json").read_text())

    # Same data: nothing to report.
    same = _run(tmp_path, monkeypatch, "--previous", str(baseline))
    assert same.exit_code == 0, same.output

    # 10 -> 4 rows (a 60 % drop), revenue retyped, order_id removed, a column added.
    _project(tmp_path, 4, {"revenue": "double", "channel": "varchar"})
    changed = _run(tmp_path, monkeypatch, "--previous", str(baseline))
    assert changed.exit_code == DataValidationError.exit_code == 1
    problems = json.loads((tmp_path / "out/report.json").read_text())["problems"]
    assert problems == [
        "models/_gold__models.yml: sales.columns.order_id: declared but missing from the built "
        'relation "wh"."gold"."sales"',
        "model.shop.sales: column order_id (bigint) was removed",
        "model.shop.sales: column revenue changed type decimal(18,2) -> double",
        "model.shop.sales: rows fell from 10 to 4 (more than 50%)",
    ]
    assert "model.shop.sales: column channel (varchar) was added" in changed.output
    assert "rows fell from 10 to 4" in (tmp_path / "out/report.md").read_text()
    # A looser threshold accepts the drop (the schema problems remain).
    loose = _run(tmp_path, monkeypatch, "--previous", str(baseline), "--max-row-drop", "0.7")
    assert "rows fell" not in loose.output and loose.exit_code == 1


def test_rows_falling_to_zero_and_a_missing_catalog(tmp_path, monkeypatch):
    _project(tmp_path, 3, {"order_id": "bigint", "revenue": "double"})
    assert _run(tmp_path, monkeypatch).exit_code == 0
    baseline = tmp_path / "baseline.json"
    baseline.write_text((tmp_path / "out/report.json").read_text())
    _project(tmp_path, 0, {"order_id": "bigint", "revenue": "double"})
    result = _run(tmp_path, monkeypatch, "--previous", str(baseline), "--max-row-drop", "1")
    assert result.exit_code == 1 and "rows fell from 3 to 0" in result.output
    (tmp_path / "target/catalog.json").unlink()
    missing = _run(tmp_path, monkeypatch)
    assert missing.exit_code == 2 and "Run `dbt docs generate` first." in missing.output


def test_a_metric_view_is_not_counted(tmp_path, monkeypatch):
    """Databricks evaluates a metric view only through MEASURE(): no count(*) is sent."""
    _project(tmp_path, 3, {"order_id": "bigint", "revenue": "decimal(18,2)"})
    manifest_path = tmp_path / "target/manifest.json"
    catalog_path = tmp_path / "target/catalog.json"
    manifest, catalog = json.loads(manifest_path.read_text()), json.loads(catalog_path.read_text())
    # A relation that does not exist: counting it would fail the run.
    manifest["nodes"]["model.shop.sales_metrics"] = {
        "resource_type": "model", "package_name": "shop", "name": "sales_metrics",
        "relation_name": '"wh"."gold"."sales_metrics"', "config": {"materialized": "metric_view"},
        "original_file_path": "models/sales_metrics.sql", "columns": {},
    }  # fmt: skip
    catalog["nodes"]["model.shop.sales_metrics"] = {"columns": {"REVENUE": {"type": "DECIMAL"}}}
    manifest_path.write_text(json.dumps(manifest))
    catalog_path.write_text(json.dumps(catalog))
    result = _run(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert list(report["relations"]) == ["model.shop.sales"]
