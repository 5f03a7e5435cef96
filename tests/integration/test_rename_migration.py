"""`dbt run-operation migrate_renamed_models` on DuckDB: the tables of renamed models
(vars.renamed_models in dbt_project.yml) keep their rows under the new names.

The old tables are created here with SQL, holding known rows, in the schema and database the
models are built into (no build needed); the expectations are those rows, not the macro's
output. Cases: a dry run changes nothing, the migration renames every old table, a second run
does nothing, an old view is dropped, old and new both present fail naming both and change
nothing, a fresh warehouse is a no-op, and a var naming no model fails naming the var key.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from local_pipeline import LocalPipeline

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA = "silver"  # the models' schema on the local target (generate_schema_name)
# A customer e-mail that must never reach the log (the operation logs names, never data).
SENSITIVE = "ada.lovelace@example.com"
ROWS = {
    "fact_order": [
        (1, dt.date(2025, 1, 2), Decimal("12.50"), SENSITIVE),
        (2, dt.date(2025, 1, 3), Decimal("7.00"), "bob@example.com"),
    ],
    "fact_order_line": [(1, 1, 3), (2, 1, 1), (3, 2, 5)],
    "fact_web_event": [(10, "page_view"), (11, "add_to_cart")],
}
COLUMNS = {
    "fact_order": "order_id integer, order_date date, amount decimal(10, 2), email varchar",
    "fact_order_line": "order_line_id integer, order_id integer, quantity integer",
    "fact_web_event": "event_id integer, event_type varchar",
}


def _renames() -> dict[str, str]:
    return yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]["renamed_models"]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> LocalPipeline:
    """One DuckDB file and dbt target for the module, so dbt parses the project once."""
    local = LocalPipeline(tmp_path_factory.mktemp("rename_migration"))
    local.prepare(deps=False)  # dbt_packages/ of the checkout is used as it is
    return local


@pytest.fixture
def local(pipeline) -> Iterator[LocalPipeline]:
    """The module's pipeline with an empty warehouse."""
    with duckdb.connect(str(pipeline.database)) as connection:
        connection.execute(f"drop schema if exists {SCHEMA} cascade")
    yield pipeline


def _create(local: LocalPipeline, *statements: str) -> None:
    with duckdb.connect(str(local.database)) as connection:
        connection.execute(f"create schema if not exists {SCHEMA}")
        for statement in statements:
            connection.execute(statement)


def _seed_old_tables(local: LocalPipeline, names=tuple(ROWS)) -> None:
    _create(local, *(f"create table {SCHEMA}.{name} ({COLUMNS[name]})" for name in names))
    with duckdb.connect(str(local.database)) as connection:
        for name in names:
            marks = ", ".join("?" for _ in ROWS[name][0])
            connection.executemany(f"insert into {SCHEMA}.{name} values ({marks})", ROWS[name])


def _relations(local: LocalPipeline) -> dict[str, str]:
    """name -> BASE TABLE | VIEW of every relation in the models' schema."""
    rows = local.query(
        "select table_name, table_type from information_schema.tables "
        f"where table_schema = '{SCHEMA}'"
    )
    return dict(rows)


def _rows(local: LocalPipeline, name: str) -> list[tuple]:
    return local.query(f"select * from {SCHEMA}.{name} order by all")


def _expected(name: str) -> list[tuple]:
    return sorted(ROWS[name])


def _migrate(local: LocalPipeline, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = local.dbt("run-operation", "migrate_renamed_models", *extra, check=check)
    assert SENSITIVE not in completed.stdout + completed.stderr
    return completed


def test_var_lists_the_three_fact_renames():
    assert _renames() == {
        "fact_order": "fct_order",
        "fact_order_line": "fct_order_line",
        "fact_web_event": "fct_web_event",
    }


def test_dry_run_then_migration_then_rerun(local):
    _seed_old_tables(local)
    before = _relations(local)
    assert before == dict.fromkeys(ROWS, "BASE TABLE")

    dry = _migrate(local, "--args", json.dumps({"dry_run": True}))
    assert _relations(local) == before
    for old, new in _renames().items():
        assert f'renaming the table "warehouse"."{SCHEMA}"."{old}" to' in dry.stdout
        assert f'"warehouse"."{SCHEMA}"."{new}" (dry run)' in dry.stdout

    _migrate(local)
    assert _relations(local) == dict.fromkeys(_renames().values(), "BASE TABLE")
    for old, new in _renames().items():
        assert _rows(local, new) == _expected(old)

    again = _migrate(local)
    assert again.stdout.count("nothing to migrate") == len(_renames())
    assert "renaming" not in again.stdout and "dropping" not in again.stdout
    for old, new in _renames().items():
        assert _rows(local, new) == _expected(old)


def test_old_view_is_dropped_and_old_tables_renamed(local):
    _seed_old_tables(local, names=("fact_order", "fact_order_line"))
    _create(local, f"create view {SCHEMA}.fact_web_event as select 1 as event_id")
    completed = _migrate(local)
    assert f'dropping the view "warehouse"."{SCHEMA}"."fact_web_event"' in completed.stdout
    assert _relations(local) == {"fct_order": "BASE TABLE", "fct_order_line": "BASE TABLE"}


def test_both_present_fails_naming_both_and_changes_nothing(local):
    _seed_old_tables(local)
    _create(local, f"create table {SCHEMA}.fct_order (order_id integer)")
    before = _relations(local)
    for extra in ([], ["--args", json.dumps({"dry_run": True})]):
        completed = _migrate(local, *extra, check=False)
        assert completed.returncode != 0
        message = completed.stdout + completed.stderr
        assert f'both "warehouse"."{SCHEMA}"."fact_order"' in message
        assert f'and "warehouse"."{SCHEMA}"."fct_order" exist' in message
        assert f'`DROP TABLE "warehouse"."{SCHEMA}"."fct_order"`' in message
        # Planned before anything runs: the other renames did not happen either.
        assert _relations(local) == before
        assert _rows(local, "fact_order_line") == _expected("fact_order_line")


def test_fresh_warehouse_is_a_no_op(local):
    completed = _migrate(local)
    assert completed.stdout.count("nothing to migrate") == len(_renames())
    assert _relations(local) == {}


def test_var_naming_no_model_fails_naming_the_key(local):
    _seed_old_tables(local, names=("fact_order",))
    variables = json.dumps({"renamed_models": {"fact_order": "fct_orders"}})
    completed = _migrate(local, "--vars", variables, check=False)
    assert completed.returncode != 0
    assert "vars.renamed_models.fact_order: 'fct_orders' is not a model" in completed.stdout
    assert _relations(local) == {"fact_order": "BASE TABLE"}


def test_var_naming_a_current_model_as_old_fails(local):
    _seed_old_tables(local, names=("fact_order",))
    variables = json.dumps({"renamed_models": {"fct_order": "fct_order_line"}})
    completed = _migrate(local, "--vars", variables, check=False)
    assert completed.returncode != 0
    assert "vars.renamed_models.fct_order: 'fct_order' is still a model" in completed.stdout
    assert _relations(local) == {"fact_order": "BASE TABLE"}
