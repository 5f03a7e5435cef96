"""lakehouse_bi.identifiers (issue 24): the one place names and literals from arguments and
manifests are validated and quoted for SQL."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from ops_support import FakeConnection

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.identifiers import (
    canonical_relation,
    quote_identifier,
    split_relation,
    sql_literal,
)
from lakehouse_bi.ops.health import check_dq_score
from lakehouse_bi.ops.warehouse import Warehouse


@pytest.mark.parametrize(
    ("text", "engine", "parts"),
    [
        ("fct_sales", "databricks", ("fct_sales",)),
        ("gold.fct_sales", "databricks", ("gold", "fct_sales")),
        ("`c`.`gold schema`.`a``b`", "databricks", ("c", "gold schema", "a`b")),
        ("`x.y`.t", "databricks", ("x.y", "t")),
        ('"wh"."gold"."a""b"', "duckdb", ("wh", "gold", 'a"b')),
    ],
)
def test_names_split_into_their_parts(text, engine, parts):
    assert split_relation(text, engine, "--table") == parts
    canonical = canonical_relation(text, engine, "--table")
    assert canonical_relation(canonical, engine, "--table") == canonical  # idempotent
    assert split_relation(canonical, engine, "--table") == parts


@pytest.mark.parametrize(
    "text",
    ["a.b.c.d", "a b", "t VERSION AS OF 0 --", "a;b", "a.", ".a", "a..b", "``", "`a", "a\nb",
     '"a".b', "1abc", "a.b -- x", "`a`b"],
)  # fmt: skip
def test_anything_else_is_refused_naming_the_argument(text):
    with pytest.raises(ConfigError, match="--table"):
        split_relation(text, "databricks", "--table")


def test_quoting_doubles_the_quote_and_refuses_control_characters():
    assert quote_identifier("a`b", "databricks") == "`a``b`"
    assert quote_identifier('a"b', "duckdb") == '"a""b"'
    for bad in ("a\nb", "a\tb", "a\x00b", "a\u2028b", ""):
        with pytest.raises(ConfigError, match="column x"):
            quote_identifier(bad, "duckdb", "column x")
    with pytest.raises(ConfigError, match="engine"):
        quote_identifier("a", "postgres")


@pytest.mark.parametrize("value", ["plain", "it's", "a\\", "x' or '1'='1", "\\'; drop --"])
def test_literals_hold_the_value_on_both_engines(value):
    ((duck,),) = duckdb.connect().execute(f"select {sql_literal(value, 'duckdb')}").fetchall()
    assert duck == value
    tree = sqlglot.parse_one(f"select {sql_literal(value, 'databricks')}", read="databricks")
    (literal,) = tree.find_all(sqlglot.exp.Literal)
    assert literal.this == value


def test_a_health_relation_carrying_sql_runs_nothing():
    fake = FakeConnection()
    with pytest.raises(ConfigError, match="elementary_test_results relation"):
        check_dq_score(Warehouse(fake, "duckdb"), '"e"."t"; drop table "e"."t"', 0.9)
    assert fake.statements == []
