"""`lakehouse-bi schema diff`: schema comparison and migration DDL for DuckDB and Databricks.

DuckDB DDL is executed against a real DuckDB table; Databricks DDL is parsed with sqlfluff's
databricks dialect (no workspace here), and the Delta rules are checked against Databricks'
type widening table.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner
from sqlfluff.core import Linter

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.schema.column_types import parse_type
from lakehouse_bi.schema.compare import ChangeKind, compare_schemas
from lakehouse_bi.schema.migration import plan_migration
from lakehouse_bi.schema.schema_files import load_schema

TABLE = "silver.fct_order"


def _schema(columns: dict[str, str], dialect: str = "databricks") -> dict:
    return {name: parse_type(text, dialect, "test") for name, text in columns.items()}


def _changes(old: dict[str, str], new: dict[str, str]) -> list:
    return compare_schemas(_schema(old), _schema(new))


def _kinds(old: dict[str, str], new: dict[str, str]) -> dict[str, ChangeKind]:
    return {change.column: change.kind for change in _changes(old, new)}


@cache
def _linter() -> Linter:
    return Linter(dialect="databricks")


def _parse_errors(statement: str) -> list[str]:
    parsed = _linter().parse_string(statement)
    errors = [v.desc() for v in parsed.violations]
    if parsed.tree is None:
        return [*errors, "no parse tree"]
    return errors + [s.raw for s in parsed.tree.recursive_crawl("unparsable")]


# --- compare -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("int", "bigint", ChangeKind.WIDENED),
        ("bigint", "int", ChangeKind.NARROWED),
        ("int", "decimal(10,0)", ChangeKind.WIDENED),
        ("int", "decimal(10,2)", ChangeKind.CHANGED),  # 8 integer digits < int's 10
        ("decimal(10,2)", "decimal(12,2)", ChangeKind.WIDENED),
        ("decimal(10,2)", "decimal(12,4)", ChangeKind.WIDENED),
        ("decimal(10,2)", "decimal(10,4)", ChangeKind.CHANGED),  # loses integer digits
        ("decimal(12,2)", "decimal(10,2)", ChangeKind.NARROWED),
        ("bigint", "double", ChangeKind.WIDENED),  # the landing case: quantity 3 -> 3.5
        ("double", "bigint", ChangeKind.NARROWED),
        ("date", "timestamp_ntz", ChangeKind.WIDENED),
        ("timestamp_ntz", "date", ChangeKind.NARROWED),
        ("bigint", "string", ChangeKind.WIDENED),
        ("string", "bigint", ChangeKind.NARROWED),
        ("boolean", "int", ChangeKind.CHANGED),
        ("bigint", "struct<n: bigint>", ChangeKind.CHANGED),  # a number becoming an object
        ("void", "bigint", ChangeKind.WIDENED),  # a column first seen all-null
    ],
)
def test_type_changes_are_classified_by_the_values_they_keep(old, new, kind):
    assert _kinds({"c": old}, {"c": new}) == {"c": kind}


def test_added_and_dropped_columns_and_same_types_in_other_spellings():
    old = {"id": "int", "tags": "STRUCT(k BIGINT)", "legacy": "string"}
    new = {"id": "integer", "tags": "struct<k: bigint>", "gift_wrap": "boolean"}
    old_schema = {**_schema({"id": "int", "legacy": "string"}), **_schema(old, "duckdb")}
    changes = compare_schemas(old_schema, _schema(new))
    assert [(c.kind, c.column) for c in changes] == [
        (ChangeKind.ADDED, "gift_wrap"),
        (ChangeKind.DROPPED, "legacy"),
    ]


def test_an_unknown_type_names_the_file_and_column():
    with pytest.raises(ConfigError, match=r"old\.json, column amount: cannot read type"):
        parse_type("money(", "databricks", "old.json, column amount")


# --- DuckDB: the DDL runs and yields the new schema ----------------------------------------

OLD = {
    "order_id": "int",
    "amount": "decimal(10,2)",
    "quantity": "bigint",
    "order_day": "date",
    "note": "string",
    "legacy": "string",
}
NEW = {
    "order_id": "bigint",
    "amount": "decimal(12,2)",
    "quantity": "double",
    "order_day": "timestamp_ntz",
    "note": "int",
    "gift_wrap": "boolean",
}
DUCKDB_TYPES = {
    "order_id": "BIGINT",
    "amount": "DECIMAL(12,2)",
    "quantity": "DOUBLE",
    "order_day": "TIMESTAMP",
    "note": "INTEGER",
    "gift_wrap": "BOOLEAN",
}


def _duckdb_table(connection, columns: dict[str, str], row: tuple) -> None:
    connection.execute("create schema silver")
    ddl = ", ".join(f'"{name}" {text}' for name, text in columns.items())
    connection.execute(f"create table silver.fct_order ({ddl})")
    connection.execute(f"insert into silver.fct_order values ({', '.join('?' * len(row))})", row)


def test_duckdb_ddl_adds_drops_widens_and_narrows_keeping_values():
    plan = plan_migration(_changes(OLD, NEW), TABLE, "duckdb")
    with duckdb.connect() as connection:
        _duckdb_table(
            connection,
            {"order_id": "INTEGER", "amount": "DECIMAL(10,2)", "quantity": "BIGINT"}
            | {"order_day": "DATE", "note": "VARCHAR", "legacy": "VARCHAR"},
            (7, "12.50", 3, "2025-01-02", "42", "x"),
        )
        for statement in plan.statements:
            connection.execute(statement)
        described = connection.execute("describe silver.fct_order").fetchall()
        row = connection.execute("select * from silver.fct_order").fetchone()
    assert {name: kind for name, kind, *_ in described} == DUCKDB_TYPES
    assert [name for name, *_ in described] == list(DUCKDB_TYPES)
    assert row == (7, Decimal("12.50"), 3.0, dt.datetime(2025, 1, 2), 42, None)
    assert plan.rewrites == []
    notes = {step.change.column: step.note for step in plan.steps if step.note}
    assert set(notes) == {"note", "legacy"}
    assert 'try_cast("note" AS INT)' in notes["note"]


def test_duckdb_narrowing_fails_rather_than_losing_a_value():
    """What the narrowing note warns about: the ALTER refuses a value that does not fit."""
    plan = plan_migration(_changes({"note": "string"}, {"note": "int"}), TABLE, "duckdb")
    with duckdb.connect() as connection:
        _duckdb_table(connection, {"note": "VARCHAR"}, ("not a number",))
        with pytest.raises(duckdb.ConversionException):
            connection.execute(plan.statements[0])
        assert connection.execute("select note from silver.fct_order").fetchall() == [
            ("not a number",)
        ]


# --- Databricks: Delta rules, and sqlfluff parses every statement ---------------------------


def test_databricks_ddl_parses_with_sqlfluff():
    plan = plan_migration(_changes(OLD, NEW), TABLE, "databricks")
    assert len(plan.statements) == 7
    for statement in plan.statements:
        assert _parse_errors(statement) == [], statement


def test_sqlfluff_check_rejects_invalid_ddl():
    """The parse check can fail: a statement Databricks would reject is unparsable."""
    assert _parse_errors("ALTER TABLE `silver`.`fct_order` WIDEN COLUMN `x` TO BIGINT")


def test_databricks_adds_every_new_column_in_one_statement():
    plan = plan_migration(
        _changes({"id": "int"}, {"id": "int", "a": "string", "b": "decimal(18,2)"}),
        TABLE,
        "databricks",
    )
    assert plan.statements == [
        "ALTER TABLE `silver`.`fct_order` ADD COLUMNS (`a` STRING, `b` DECIMAL(18, 2))"
    ]


def test_databricks_widens_in_place_after_enabling_type_widening():
    plan = plan_migration(_changes(OLD, NEW), TABLE, "databricks")
    statements = plan.statements
    enable = (
        "ALTER TABLE `silver`.`fct_order` SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')"
    )
    assert statements.count(enable) == 1
    for column, new_type in (
        ("order_id", "BIGINT"),
        ("amount", "DECIMAL(12, 2)"),
        ("order_day", "TIMESTAMP_NTZ"),
    ):
        alter = f"ALTER TABLE `silver`.`fct_order` ALTER COLUMN `{column}` TYPE {new_type}"
        assert statements.index(enable) < statements.index(alter)


def test_databricks_drops_a_column_only_with_column_mapping():
    plan = plan_migration(_changes({"a": "int", "b": "int"}, {"a": "int"}), TABLE, "databricks")
    mapping, drop = plan.statements
    assert "'delta.columnMapping.mode' = 'name'" in mapping
    assert drop == "ALTER TABLE `silver`.`fct_order` DROP COLUMNS (`b`)"
    assert "column mapping" in plan.steps[0].note and not plan.rewrites


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("string", "int"),  # narrowing
        ("bigint", "int"),  # narrowing
        ("bigint", "double"),  # a widening Delta does not allow (long -> double)
        ("bigint", "decimal(19,0)"),  # Delta needs decimal(20,0) for a long
        ("decimal(10,2)", "decimal(11,4)"),  # scale grows more than precision
        ("date", "timestamp"),  # Delta widens a date to TIMESTAMP_NTZ only
        ("bigint", "string"),
        ("bigint", "struct<n: bigint>"),
    ],
)
def test_databricks_needs_a_rewrite_where_delta_cannot_alter_in_place(old, new):
    plan = plan_migration(_changes({"c": old}, {"c": new}), TABLE, "databricks")
    assert plan.statements == []
    (step,) = plan.rewrites
    assert "Rewrite the table" in step.note and "try_cast(`c` AS" in step.note


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("tinyint", "smallint"),
        ("int", "bigint"),
        ("int", "double"),
        ("int", "decimal(10,0)"),
        ("bigint", "decimal(20,0)"),
        ("float", "double"),
        ("decimal(10,2)", "decimal(12,4)"),
        ("date", "timestamp_ntz"),
    ],
)
def test_databricks_alters_in_place_what_delta_type_widening_allows(old, new):
    plan = plan_migration(_changes({"c": old}, {"c": new}), TABLE, "databricks")
    assert not plan.rewrites
    assert plan.statements[-1].startswith("ALTER TABLE `silver`.`fct_order` ALTER COLUMN `c`")


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def schema_files(tmp_path) -> tuple[Path, Path]:
    old = tmp_path / "old.json"
    old.write_text(json.dumps(OLD))
    new = tmp_path / "new.yml"
    new.write_text(
        yaml.safe_dump({"columns": [{"name": k, "data_type": v} for k, v in NEW.items()]})
    )
    return old, new


def test_diff_prints_changes_and_ddl_for_both_engines(schema_files):
    old, new = schema_files
    result = CliRunner().invoke(main, ["schema", "diff", str(old), str(new), "--table", TABLE])
    assert result.exit_code == 4, result.output  # `note` narrows: Delta needs a rewrite
    assert "note: narrowed from STRING to INT" in result.output
    assert 'ALTER TABLE "silver"."fct_order" ADD COLUMN "gift_wrap" BOOLEAN;' in result.output
    assert "ALTER TABLE `silver`.`fct_order` ADD COLUMNS (`gift_wrap` BOOLEAN);" in result.output
    assert "cannot be applied in place" in result.output and "What to do" in result.output


def test_diff_exits_zero_when_every_change_applies_in_place(tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"id": "int"}))
    new.write_text(json.dumps({"id": "bigint", "note": "string"}))
    result = CliRunner().invoke(main, ["schema", "diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [c["kind"] for c in report["changes"]] == ["widened", "added"]
    assert report["migrations"]["databricks"]["table"] == "new"
    assert report["migrations"]["duckdb"]["statements"] == [
        'ALTER TABLE "new" ALTER COLUMN "id" TYPE BIGINT',
        'ALTER TABLE "new" ADD COLUMN "note" VARCHAR',
    ]


def test_diff_sniffs_two_landing_files(tmp_path):
    old = tmp_path / "order_lines/batch=b0000_20250101/order_lines_b0000_20250101.jsonl"
    new = tmp_path / "order_lines/batch=b0001_20250102/order_lines_b0001_20250102.jsonl"
    for path, record in (
        (old, {"order_line_id": 1, "quantity": 3, "discount_amount": 0.5}),
        (new, {"order_line_id": 2, "quantity": 3.5, "gift_wrap": "yes"}),
    ):
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(record) + "\n")
    schema = load_schema(new, "databricks")
    assert [(n, t.sql("databricks")) for n, t in schema.items()] == [
        ("order_line_id", "BIGINT"),
        ("quantity", "DOUBLE"),
        ("gift_wrap", "STRING"),
    ]
    result = CliRunner().invoke(main, ["schema", "diff", str(old), str(new), "--engine", "duckdb"])
    assert result.exit_code == 0, result.output
    assert "-- duckdb: bronze.bronze_order_lines" in result.output
    assert "quantity: widened from BIGINT to DOUBLE" in result.output
    assert "discount_amount: dropped (was DOUBLE)" in result.output


def test_diff_sniffs_csv_landing_files(tmp_path):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("customer_id,signup_date\n1,2025-01-02\n")
    new.write_text("customer_id,signup_date,loyalty_tier\n2,2025-01-03T08:30:00,gold\n")
    kinds = {
        c.column: c.kind
        for c in compare_schemas(load_schema(old, "duckdb"), load_schema(new, "duckdb"))
    }
    assert kinds == {"signup_date": ChangeKind.WIDENED, "loyalty_tier": ChangeKind.ADDED}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("old.txt", "id: int", "cannot read a schema from a .txt file"),
        ("old.yml", "[1, 2]", "expected a non-empty column -> type map"),
        ("old.json", "{not json", "cannot read it"),
        ("old.json", '{"id": "int("}', "column id: cannot read type"),
    ],
)
def test_bad_schema_files_fail_with_what_to_do(tmp_path, name, text, message):
    old = tmp_path / name
    old.write_text(text)
    new = tmp_path / "new.json"
    new.write_text(json.dumps({"id": "int"}))
    result = CliRunner().invoke(main, ["schema", "diff", str(old), str(new)])
    assert result.exit_code == 2
    assert message in result.output and "What to do:" in result.output


# --- issue 24: a name cannot smuggle a line into the printed DDL ----------------------------

INJECTED = "x\nDROP TABLE silver.fct_order;\n--"


@pytest.mark.parametrize("where", ["json column", "csv header", "--table", "file name"])
def test_a_newline_in_a_name_is_refused_and_no_ddl_printed(tmp_path, where):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"id": "int"}))
    new.write_text(json.dumps({"id": "int", "note": "string"}))
    args = []
    if where == "json column":
        new.write_text(json.dumps({"id": "int", INJECTED: "string"}))
        named = f"{new}: column name"
    elif where == "csv header":
        old, new = tmp_path / "old.csv", tmp_path / "new.csv"
        old.write_text("id\n1\n")
        new.write_text('id,"x\nDROP TABLE silver.fct_order;\n--"\n1,2\n')
        named = f"{new}: column name"
    elif where == "--table":
        args = ["--table", "silver.fct_order\nDROP TABLE silver.fct_order;\n--"]
        named = "--table"
    else:
        new = new.rename(tmp_path / "t\nDROP TABLE silver.fct_order;--.json")
        named = "table name taken from NEW's file name"
    for output_format in ("text", "json"):
        result = CliRunner().invoke(
            main, ["schema", "diff", str(old), str(new), "--format", output_format, *args]
        )
        assert result.exit_code == ConfigError.exit_code, result.output
        assert named in result.output and "control character" in result.output
        assert "ALTER TABLE" not in result.output
        assert not any(line.startswith("DROP") for line in result.output.splitlines())
