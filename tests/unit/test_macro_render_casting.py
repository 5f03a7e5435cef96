"""packages/lakehouse/macros/casting/: the landing literal forms (docs/LANDING.md), rendered
per engine.

DuckDB renderings are executed on literal inputs with the ``duckdb`` package. Databricks
renderings are checked textually, parsed with sqlfluff's databricks dialect, and executed on
the same inputs on Sail (pysail, the Spark engine tests/integration already runs Databricks
SQL on; a stand-in for Databricks, not Databricks). The inputs are column values, not
literals: an engine may constant-fold a literal's cast in a branch its CASE never takes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import duckdb
import pytest
import sqlfluff
from macro_render import CompilationError, MacroHarness

INTEGER_CASES = [
    ("42", 42),
    (" -7 ", -7),
    ("+5", 5),
    ("999999999999999999", 999999999999999999),
    ("1234567890123456789", None),  # 19 digits
    ("2nd", None),
    ("1.0", None),
    ("1,000", None),
    ("0x10", None),
    ("", None),
    (None, None),
]
DECIMAL_CASES = [
    ("1296.99", Decimal("1296.99")),
    ("-0.5", Decimal("-0.50")),
    ("7", Decimal("7.00")),
    ("1,296.99", None),
    ("1_199.99", None),
    ("348,99", None),
    ("1e3", None),
    ("1.999", None),  # more decimals than the column: never rounded
    (" ", None),
]
TIMESTAMP_CASES = [
    ("2026-01-01T01:30:00+02:00", datetime.datetime(2025, 12, 31, 23, 30)),
    ("2026-01-01 01:30:00Z", datetime.datetime(2026, 1, 1, 1, 30)),
    ("2026-01-01T01:30:00-0530", datetime.datetime(2026, 1, 1, 7, 0)),
    ("2026-01-01T01:30:00.123456", datetime.datetime(2026, 1, 1, 1, 30, 0, 123456)),
    ("2026-01-01T24:00:00", None),  # hour 24: DuckDB alone would roll it over
    ("2026-02-30T00:00:00", None),
    ("2026-01-01", None),
    ("01/01/2026 01:30:00", None),
    ("2026-01-01T01:30:00+2", None),
]
DATE_CASES = [
    ("2024-05-19", datetime.date(2024, 5, 19)),
    ("05/19/2024", None),
    ("2026-02-30", None),
    ("2024-5-19", None),
]
BOOLEAN_CASES = [("true", True), (" FALSE ", False), ("t", None), ("yes", None), ("1", None)]
EMAIL_IS_VALID_CASES = [
    ("a@example.com", True),
    ("soren@почта.рф", True),
    ("a b@example.com", False),
    ("a@example\u00a0.com", False),
    ("a@example", False),
    ("@example.com", False),
    ("a@@example.com", False),
]
CDC_OPERATION_CASES = [
    (" I ", "insert"),
    ("r", "insert"),
    ("U", "update"),
    ("d", "delete"),
    ("x", None),
]

SAIL_CASES = [
    *(("landing_integer", text, expected) for text, expected in INTEGER_CASES),
    *(("landing_decimal", text, expected) for text, expected in DECIMAL_CASES),
    *(("landing_timestamp", text, expected) for text, expected in TIMESTAMP_CASES),
    *(("landing_date", text, expected) for text, expected in DATE_CASES),
    *(("landing_boolean", text, expected) for text, expected in BOOLEAN_CASES),
    *(("landing_email_is_valid", text, expected) for text, expected in EMAIL_IS_VALID_CASES),
    *(("landing_cdc_operation", text, expected) for text, expected in CDC_OPERATION_CASES),
]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def duckdb_value(con, macro: str, text: str | None, **kwargs):
    """The value DuckDB computes for ``macro`` applied to the literal ``text``."""
    sql = MacroHarness("duckdb").sql(macro, literal(text), **kwargs)
    return con.execute(f"select {sql}").fetchone()[0]


def parse_databricks(expression: str) -> None:
    """Fails when sqlfluff's databricks dialect cannot parse ``select <expression>``."""
    sqlfluff.parse(f"select {expression} as v from landed", dialect="databricks")


@pytest.mark.parametrize(("text", "expected"), INTEGER_CASES)
def test_landing_integer_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_integer", text) == expected


@pytest.mark.parametrize(("text", "expected"), DECIMAL_CASES)
def test_landing_decimal_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_decimal", text) == expected


def test_landing_decimal_precision_bounds_integer_digits(con):
    assert duckdb_value(con, "landing_decimal", "123.45", precision=5, scale=2) == Decimal("123.45")
    assert duckdb_value(con, "landing_decimal", "1234.5", precision=5, scale=2) is None


@pytest.mark.parametrize(("text", "expected"), TIMESTAMP_CASES)
def test_landing_timestamp_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_timestamp", text) == expected


@pytest.mark.parametrize(("text", "expected"), DATE_CASES)
def test_landing_date_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_date", text) == expected


@pytest.mark.parametrize(("text", "expected"), BOOLEAN_CASES)
def test_landing_boolean_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_boolean", text) == expected


@pytest.mark.parametrize(("text", "expected"), EMAIL_IS_VALID_CASES)
def test_landing_email_is_valid_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_email_is_valid", text) is expected


@pytest.mark.parametrize(("text", "expected"), CDC_OPERATION_CASES)
def test_landing_cdc_operation_duckdb_values(con, text, expected):
    assert duckdb_value(con, "landing_cdc_operation", text) == expected


def test_landing_cdc_operation_codes_from_var(con):
    harness = MacroHarness("duckdb", vars={"cdc_operation_codes": {"insert": ["+"]}})
    sql = harness.sql("landing_cdc_operation", "'+'")
    assert "when lower(trim('+')) in ('+') then 'insert'" in sql
    assert "'update'" not in sql
    assert con.execute(f"select {sql}").fetchone()[0] == "insert"


def test_landing_cdc_operation_rejects_an_unknown_operation():
    harness = MacroHarness("databricks", vars={"cdc_operation_codes": {"upsert": ["x"]}})
    with pytest.raises(CompilationError, match="'upsert' is not an operation"):
        harness.call("landing_cdc_operation", "op")


@pytest.mark.parametrize("engine", ["duckdb", "databricks"])
def test_landing_text_trims_and_nulls_empty(engine):
    assert MacroHarness(engine).sql("landing_text", "v") == "nullif(trim(v), '')"


@pytest.mark.parametrize(
    ("macro", "fragment"),
    [
        ("landing_integer", "cast(nullif(trim(value), '') as bigint)"),
        ("landing_decimal", "cast(nullif(trim(value), '') as decimal(18, 2))"),
        ("landing_date", "try_cast(nullif(trim(value), '') as date)"),
        ("landing_timestamp", "then timestampadd(minute, case regexp_extract("),
        ("landing_boolean", "case lower(nullif(trim(value), '')) when 'true' then true"),
    ],
)
def test_databricks_casts_use_regexp_like(macro, fragment):
    sql = MacroHarness("databricks").sql(macro, "value")
    assert fragment in sql
    if macro != "landing_boolean":
        assert "regexp_like(nullif(trim(value), ''), '^" in sql
        assert "regexp_matches" not in sql
    parse_databricks(sql)


def test_decimal_pattern_follows_precision_and_scale():
    sql = MacroHarness("databricks").sql("landing_decimal", "v", precision=10, scale=4)
    assert "'^[+-]?[0-9]{1,6}([.][0-9]{1,4})?$'" in sql
    assert "as decimal(10, 4)" in sql


def test_regex_backslashes_doubled_on_databricks_only():
    duck = MacroHarness("duckdb").sql("landing_email_is_valid", "email")
    bricks = MacroHarness("databricks").sql("landing_email_is_valid", "email")
    assert duck.startswith("regexp_matches(email, '^[^@\\s\\x0B")
    assert bricks.startswith("regexp_like(email, '^[^@\\\\s\\\\x0B")
    assert "\\\\" not in duck
    parse_databricks(bricks)


# -- the Databricks renderings executed on a Spark engine (Sail) -------------------------------
def databricks_literal(text: str | None) -> str:
    if text is None:
        return "cast(null as string)"
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.parametrize(("macro", "text", "expected"), SAIL_CASES)
def test_databricks_renderings_values_on_sail(sail_spark, macro, text, expected):
    sql = MacroHarness("databricks").sql(macro, "value")
    rows = sail_spark.sql(
        f"select {sql} as v from (select col1 as value from values ({databricks_literal(text)}))"
    ).collect()
    assert rows[0][0] == expected
