"""Small dispatched macros: sql_string_literal escaping, regex_matches, integer_divide,
replace_window, the audit and freshness macros; and the harness's own dbt semantics."""

from __future__ import annotations

import datetime
import importlib
import re
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import pytest
import sqlfluff
from macro_render import (
    CompilationError,
    MacroGenerator,
    MacroHarness,
    compiled_macros,
    compiled_package_macros,
    normalize_sql,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness.sail_rewrite import rewrite_for_sail

TEXTS = ["plain", "it's", "a\\b", "\\'", "''", "x\\\\y", "line\nbreak", "ünïcödé ✓", ""]


# -- sql_string_literal ------------------------------------------------------------------------
@pytest.mark.parametrize("text", TEXTS)
def test_sql_string_literal_round_trips_on_duckdb(text):
    literal = MacroHarness("duckdb").call("sql_string_literal", text)
    assert duckdb.sql(f"select {literal}").fetchall()[0][0] == text


@pytest.mark.parametrize(
    ("text", "expected_duckdb", "expected_databricks"),
    [
        ("it's", "'it''s'", "'it\\'s'"),
        ("a\\b", "'a\\b'", "'a\\\\b'"),
        ("\\'", "'\\'''", "'\\\\\\''"),
        (42, "'42'", "'42'"),
        (None, "null", "null"),
    ],
)
def test_sql_string_literal_escaping_per_engine(text, expected_duckdb, expected_databricks):
    assert MacroHarness("duckdb").call("sql_string_literal", text) == expected_duckdb
    bricks = MacroHarness("databricks").call("sql_string_literal", text)
    assert bricks == expected_databricks
    sqlfluff.parse(f"select {bricks} as v", dialect="databricks")


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.parametrize("text", TEXTS)
def test_sql_string_literal_round_trips_on_sail(sail_spark, text):
    literal = MacroHarness("databricks").call("sql_string_literal", text)
    assert sail_spark.sql(f"select {literal} as v").collect()[0][0] == text


def unescape_databricks(literal: str) -> str:
    """A Databricks string literal's value (Spark's unescapeSQLString, for \\\\ and \\')."""
    assert literal[0] == literal[-1] == "'"
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i + 1])
            i += 2
        else:
            assert body[i] != "'", f"unescaped quote in {literal}"
            out.append(body[i])
            i += 1
    return "".join(out)


@pytest.mark.parametrize("text", TEXTS)
def test_sql_string_literal_databricks_decodes_to_the_text(text):
    assert unescape_databricks(MacroHarness("databricks").call("sql_string_literal", text)) == text


# -- regex_matches / integer_divide ------------------------------------------------------------
def test_regex_matches_per_engine():
    assert MacroHarness("duckdb").sql("regex_matches", "x", "^\\d+$") == (
        "regexp_matches(x, '^\\d+$')"
    )
    assert MacroHarness("databricks").sql("regex_matches", "x", "^\\d+$") == (
        "regexp_like(x, '^\\\\d+$')"
    )


@pytest.mark.parametrize(
    ("dividend", "divisor", "quotient"),
    [(7, 2, 3), (-7, 2, -3), (7, -2, -3), (6, 3, 2), (5, 0, None), ("'9'", 4, 2)],
)
def test_integer_divide_on_duckdb_truncates_toward_zero(dividend, divisor, quotient):
    sql = MacroHarness("duckdb").sql("integer_divide", dividend, divisor)
    assert duckdb.sql(f"select {sql}").fetchall()[0][0] == quotient


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.parametrize(
    ("dividend", "divisor", "quotient"),
    [(7, 2, 3), (-7, 2, -3), (7, -2, -3), (6, 3, 2), (5, 0, None), ("'9'", 4, 2)],
)
def test_integer_divide_on_sail_truncates_toward_zero(sail_spark, dividend, divisor, quotient):
    sql = MacroHarness("databricks").sql("integer_divide", dividend, divisor)
    assert sail_spark.sql(f"select {sql} as v").collect()[0][0] == quotient


def test_integer_divide_per_engine():
    assert MacroHarness("duckdb").sql("integer_divide", "a", "b") == (
        "(cast(a as bigint) // nullif(cast(b as bigint), 0))"
    )
    assert MacroHarness("databricks").sql("integer_divide", "a", "b") == (
        "(cast(a as bigint) div nullif(cast(b as bigint), 0))"
    )


# -- replace_window ----------------------------------------------------------------------------
def test_replace_window_per_engine():
    duck = MacroHarness("duckdb")
    duck.override("recompute_window_predicate", lambda: "order_date >= '2026-01-01'")
    duck.relation_columns["tmp"] = ["id", '"amount"']
    args = {"target_relation": duck.relation("fct"), "temp_relation": duck.relation("tmp")}
    assert duck.sql("get_incremental_replace_window_sql", args) == (
        'delete from "lakehouse_bi"."main"."fct" where order_date >= \'2026-01-01\'; '
        'insert into "lakehouse_bi"."main"."fct" ("id", "amount") '
        'select "id", "amount" from "lakehouse_bi"."main"."tmp"'
    )
    bricks = MacroHarness("databricks")
    bricks.override("recompute_window_predicate", lambda: "d >= 1")
    seen = []
    bricks.override("get_replace_where_sql", lambda arg_dict: seen.append(dict(arg_dict)) or "rw")
    assert bricks.call("get_incremental_replace_window_sql", {"target_relation": "t"}) == "rw"
    assert seen == [{"target_relation": "t", "incremental_predicates": ["d >= 1"]}]


# -- replace_window_sql: the window predicate executed ------------------------------------------
DAY = datetime.date
TARGET_ROWS = [
    (DAY(2026, 1, 1), 1, Decimal("10.00")),
    (DAY(2026, 1, 2), 2, Decimal("20.00")),
    (DAY(2026, 1, 2), 3, Decimal("30.00")),
    (DAY(2026, 1, 3), 4, Decimal("40.00")),
]
WINDOW_CASES = [
    # Days 2 and 3 recomputed: order 2 changed, order 3 gone, order 4 moved to day 2.
    (
        [DAY(2026, 1, 2), DAY(2026, 1, 3)],
        [(DAY(2026, 1, 2), 2, Decimal("25.50")), (DAY(2026, 1, 2), 4, Decimal("40.00"))],
    ),
    ([], []),  # nothing changed: recompute_window_predicate renders `false`
]


def window_predicate(days: list[datetime.date]) -> str:
    """The predicate as recompute_window_predicate renders it for these days."""
    if not days:
        return "false"
    return "order_date in (" + ", ".join(f"cast('{day}' as date)" for day in days) + ")"


def replaced(days, recomputed) -> list[tuple]:
    """Independent truth: the target rows outside the window, plus the recomputed rows."""
    return sorted([row for row in TARGET_ROWS if row[0] not in days] + recomputed)


@pytest.mark.parametrize(("days", "recomputed"), WINDOW_CASES)
def test_replace_window_sql_on_duckdb_replaces_exactly_the_window(days, recomputed):
    con = duckdb.connect()
    con.execute("attach ':memory:' as lakehouse_bi; use lakehouse_bi")
    con.execute("create table fct (order_date date, order_id integer, amount decimal(10, 2))")
    con.executemany("insert into fct values (?, ?, ?)", TARGET_ROWS)
    # The recomputed rows in another column order: columns are matched by name.
    con.execute("create table tmp (amount decimal(10, 2), order_id integer, order_date date)")
    for row in recomputed:
        con.execute("insert into tmp values (?, ?, ?)", row[::-1])
    harness = MacroHarness("duckdb")
    harness.relation_columns["tmp"] = [f'"{c[0]}"' for c in con.execute("describe tmp").fetchall()]
    args = {"target_relation": harness.relation("fct"), "temp_relation": harness.relation("tmp")}
    sql = harness.sql("replace_window_sql", args, window_predicate(days))
    assert sql.startswith(
        f'delete from "lakehouse_bi"."main"."fct" where {window_predicate(days)}; '
        'insert into "lakehouse_bi"."main"."fct" ("amount", "order_id", "order_date")'
    )
    con.execute(sql)
    assert con.execute("select * from fct order by all").fetchall() == replaced(days, recomputed)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.parametrize(("days", "recomputed"), WINDOW_CASES)
def test_replace_window_sql_on_sail_through_dbt_databricks_replace_where(
    sail_spark, tmp_path, days, recomputed
):
    harness = MacroHarness("databricks")
    harness.override(
        "get_replace_where_sql",
        installed_macro(
            "databricks",
            "macros/materializations/incremental/strategies.sql",
            "get_replace_where_sql",
            adapter=SimpleNamespace(has_dbr_capability=lambda capability: True),
        ),
    )
    catalog, schema = sail_spark.catalog.currentCatalog(), f"replace_window_{len(days)}"
    target = harness.relation("fct", schema, catalog)
    source = harness.relation("tmp", schema, catalog)
    sail_spark.sql(f"create schema if not exists `{catalog}`.`{schema}`")
    for relation, rows in [(target, TARGET_ROWS), (source, recomputed)]:
        sail_spark.sql(
            f"create table {relation} (order_date date, order_id int, amount decimal(10, 2)) "
            f"using delta location '{tmp_path / relation.identifier}'"
        )
        if rows:
            values = ", ".join(f"(date'{d}', {i}, {a})" for d, i, a in rows)
            sail_spark.sql(f"insert into {relation} values {values}")
    sql = harness.call(
        "replace_window_sql", {"target_relation": target, "temp_relation": source},
        window_predicate(days),
    )  # fmt: skip
    assert sql == (
        f"INSERT INTO {target} BY NAME REPLACE WHERE {window_predicate(days)} TABLE {source}"
    )
    # Not parsed with sqlfluff: it knows BY NAME and REPLACE WHERE only apart (a known gap,
    # tests/integration/test_databricks_recorded_sql.py); Sail parses and runs it.
    sent, rewrites = rewrite_for_sail(sql)
    assert rewrites == ["INSERT BY NAME REPLACE WHERE"]
    sail_spark.sql(sent).collect()
    rows = sail_spark.sql(f"select * from {target} order by 1, 2").collect()
    assert [tuple(row) for row in rows] == replaced(days, recomputed)


# -- audit and freshness -----------------------------------------------------------------------
def test_audit_warehouse_user_per_engine():
    assert MacroHarness("duckdb").call("audit_warehouse_user") == "cast(null as TEXT)"
    assert MacroHarness("databricks").call("audit_warehouse_user") == "current_user()"


AUDIT_ACTOR_VARIABLES = {
    "duckdb": ["DBT_AUDIT_ACTOR", "USER", "USERNAME"],
    "databricks": ["DBT_AUDIT_ACTOR", "DATABRICKS_CLIENT_ID", "USER", "USERNAME"],
}


@pytest.mark.parametrize("engine", sorted(AUDIT_ACTOR_VARIABLES))
def test_audit_actor_variables_per_engine_in_order_of_precedence(engine):
    variables = AUDIT_ACTOR_VARIABLES[engine]
    dispatch = MacroHarness(engine).context["adapter"].dispatch
    assert dispatch("audit_actor_variables", "lakehouse")() == variables
    # Each variable names the actor over every later one; blank values are skipped.
    for position, variable in enumerate(variables):
        env = {later: f"actor of {later}" for later in variables[position:]}
        env.update({earlier: "  " for earlier in variables[:position]})
        actor = MacroHarness(engine, env=env).call("audit_actor")
        assert actor == {"actor": f"actor of {variable}", "actor_source": variable}


def test_audit_actor_on_duckdb_ignores_the_service_principal():
    actor = MacroHarness("duckdb", env={"DATABRICKS_CLIENT_ID": "sp"}).call("audit_actor")
    assert actor == {"actor": None, "actor_source": None}


@pytest.mark.parametrize(
    ("engine", "env", "expected"),
    [
        ("duckdb", {"DBT_AUDIT_ACTOR": " ci ", "USER": "u"}, ("ci", "DBT_AUDIT_ACTOR")),
        ("duckdb", {"DATABRICKS_CLIENT_ID": "sp", "USER": "u"}, ("u", "USER")),
        ("databricks", {"DATABRICKS_CLIENT_ID": "sp", "USER": "u"}, ("sp", "DATABRICKS_CLIENT_ID")),
        ("databricks", {}, (None, None)),
    ],
)
def test_audit_actor_order_per_engine(engine, env, expected):
    actor = MacroHarness(engine, env=env).call("audit_actor")
    assert (actor["actor"], actor["actor_source"]) == expected


@pytest.mark.parametrize(
    ("engine", "fragment"),
    [
        (
            "duckdb",
            "select max(landed_file.last_modified) from read_blob('data/landing/customers/"
            "batch=*/*.csv') as landed_file",
        ),
        (
            "databricks",
            "select max(landed_file.modificationtime) from read_files('/Volumes/"
            "lakehouse_bi_dev/landing/files/customers/batch=*/*.csv', format => 'binaryFile')",
        ),
    ],
)
def test_landing_files_loaded_at_per_engine(engine, fragment):
    source = {
        "source_name": "landing",
        "name": "customers",
        "meta": {"format": "csv", "key": "customer_id", "load": "cdc", "changed_at": "updated_at"},
        "config": {"meta": {}},
        "columns": {"customer_id": {"name": "customer_id"}, "op": {"name": "op"}},
        "original_file_path": "models/bronze/landing/_landing__sources.yml",
    }
    harness = MacroHarness(engine, graph={"nodes": {}, "sources": {"s": source}})
    assert fragment in harness.sql("landing_files_loaded_at", "customers")


# -- the harness itself ------------------------------------------------------------------------
def test_every_macro_file_of_the_project_and_the_package_is_loaded():
    assert {"get_incremental_merge_cdc_sql", "recompute_window_predicate"} <= set(compiled_macros())
    assert len(compiled_package_macros()) > 150
    assert {"landing_integer", "duckdb__read_landing_files", "databricks__vacuum_table"} <= set(
        compiled_package_macros()
    )


def test_a_package_macro_is_reached_by_its_namespace_only_as_in_dbt():
    """dbt resolves a root model's unqualified call in the root project: a package macro must
    be called as `lakehouse.<name>` (and calls its siblings so)."""
    harness = MacroHarness("duckdb")
    assert "landing_integer" not in harness.context
    assert harness.context["lakehouse"].landing_integer("x").strip().startswith("case")


def test_dispatch_falls_back_to_spark_then_default_on_databricks():
    harness = MacroHarness("databricks")
    harness.macros["spark__probe"] = lambda: "spark"
    harness.macros["default__probe"] = lambda: "default"
    assert harness.context["adapter"].dispatch("probe", "lakehouse_bi")() == "spark"
    duck = MacroHarness("duckdb")
    duck.macros["spark__probe"] = lambda: "spark"
    duck.macros["default__probe"] = lambda: "default"
    assert duck.context["adapter"].dispatch("probe", "lakehouse_bi")() == "default"
    with pytest.raises(CompilationError, match="No macro named 'nothing'"):
        duck.context["adapter"].dispatch("nothing", "lakehouse_bi")


def test_return_hands_values_between_macros_like_dbt():
    harness = MacroHarness("duckdb")
    jinja = jinja2.Environment(extensions=["jinja2.ext.do"])
    for name, body in [
        ("inner", "{{ return({'n': 1}) }}"),
        ("outer", "{%- set x = inner() -%}{{ return('outer saw ' ~ x.n) }}"),
        ("text_only", "  plain {{ 1 + 1 }} "),
    ]:
        template = jinja.from_string(f"{{% macro {name}() %}}{body}{{% endmacro %}}")
        harness.context[name] = MacroGenerator(harness, name, template)
    assert harness.call("inner") == {"n": 1}
    assert harness.call("outer") == "outer saw 1"
    assert harness.call("text_only") == "  plain 2 "


def test_var_defaults_overrides_and_missing():
    harness = MacroHarness("duckdb", vars={"future_date_tolerance_hours": 1})
    var = harness.context["var"]
    assert var("future_date_tolerance_hours") == 1
    assert var("landing_type_sample_lines") == 20480
    assert var("nope", "d") == "d"
    with pytest.raises(CompilationError, match="Required var 'nope'"):
        var("nope")
    assert normalize_sql(" a \n  b ") == "a b"


def test_databricks_week_follows_dbt_date_sunday_week_and_day_count():
    harness = MacroHarness("databricks")
    harness.override(
        "dbt_date",
        SimpleNamespace(
            snowflake__week_start=lambda date: f"sunday_start({date})",
            snowflake__week_end=lambda date: f"saturday_end({date})",
            duckdb__week_of_year=lambda date: f"day_count_week({date})",
        ),
    )
    assert harness.call("databricks__week_start", "d") == "sunday_start(d)"
    assert harness.call("databricks__week_end", "d") == "saturday_end(d)"
    assert harness.call("databricks__week_of_year", "d") == "day_count_week(d)"


def test_default_implementations_for_other_adapters():
    harness = MacroHarness("duckdb")
    with pytest.raises(CompilationError, match="integer_divide has no implementation for adapter"):
        harness.call("default__integer_divide", "a", "b")
    harness.call("default__governance_create_policy_functions")
    assert harness.logs == ["Governance: no policy functions for adapter duckdb."]
    assert normalize_sql(harness.call("default__governance_apply_model_policy", {}, "r")) == ""
    assert harness.queries == []


# -- the harness's dbt stubs against the installed adapters' own macros ------------------------
def installed_macro(package: str, path: str, name: str, **context):
    """``name`` from an installed adapter's include folder, rendered in plain Jinja."""
    root = Path(importlib.import_module(f"dbt.include.{package}").__file__).parent
    source = (root / path).read_text()
    block = re.search(
        r"\{%-?\s*macro\s+" + name + r"\(.*?\{%-?\s*endmacro\s*-?%\}", source, re.DOTALL
    )
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    module = env.from_string(block.group(0)).make_module(vars=context)
    return lambda *args: normalize_sql(getattr(module, name)(*args))


@pytest.mark.parametrize(
    ("engine", "stub", "package", "path", "name", "args"),
    [
        (
            "duckdb",
            "dateadd",
            "duckdb",
            "macros/utils/dateadd.sql",
            "duckdb__dateadd",
            ("minute", "n * 60", "ts"),
        ),
        (
            "duckdb",
            "dateadd",
            "duckdb",
            "macros/utils/dateadd.sql",
            "duckdb__dateadd",
            ("quarter", "2", "d"),
        ),
        (
            "duckdb",
            "dateadd",
            "duckdb",
            "macros/utils/dateadd.sql",
            "duckdb__dateadd",
            ("week", "1", "d"),
        ),
        (
            "duckdb",
            "datediff",
            "duckdb",
            "macros/utils/datediff.sql",
            "duckdb__datediff",
            ("a", "b", "day"),
        ),
        (
            "duckdb",
            "current_timestamp",
            "duckdb",
            "macros/adapters.sql",
            "duckdb__current_timestamp",
            (),
        ),
        (
            "databricks",
            "dateadd",
            "databricks",
            "macros/utils/dateadd.sql",
            "databricks__dateadd",
            ("minute", "n", "ts"),
        ),
        (
            "databricks",
            "datediff",
            "databricks",
            "macros/utils/datediff.sql",
            "databricks__datediff",
            ("a", "b", "day"),
        ),
        (
            "databricks",
            "current_timestamp",
            "spark",
            "macros/utils/timestamps.sql",
            "spark__current_timestamp",
            (),
        ),
        (
            "databricks",
            "safe_cast",
            "spark",
            "macros/utils/safe_cast.sql",
            "spark__safe_cast",
            ("x", "bigint"),
        ),
        (
            "duckdb",
            "safe_cast",
            "global_project",
            "macros/utils/safe_cast.sql",
            "default__safe_cast",
            ("x", "bigint"),
        ),
        (
            "duckdb",
            "date_trunc",
            "global_project",
            "macros/utils/date_trunc.sql",
            "default__date_trunc",
            ("month", "d"),
        ),
    ],
)
def test_cross_database_stubs_render_like_the_installed_adapters(
    engine, stub, package, path, name, args
):
    harness = MacroHarness(engine)
    context = {
        "adapter": SimpleNamespace(has_dbr_capability=lambda capability: True),
        "date_trunc": harness.context["date_trunc"],
        "cast_from_string_unsupported_for": lambda data_type: False,
    }
    real = installed_macro(package, path, name, **context)
    assert normalize_sql(harness.context["dbt"].__dict__[stub](*args)) == real(*args)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # dbt-databricks' pydantic v1 style
def test_type_stubs_match_the_adapters_column_types():
    from dbt.adapters.databricks.column import DatabricksColumn
    from dbt.adapters.duckdb.column import DuckDBColumn

    for engine, column in [("duckdb", DuckDBColumn), ("databricks", DatabricksColumn)]:
        dbt = MacroHarness(engine).context["dbt"]
        for macro, label in [
            ("type_string", "string"),
            ("type_timestamp", "timestamp"),
            ("type_int", "integer"),
            ("type_bigint", "bigint"),
            ("type_boolean", "boolean"),
        ]:
            assert getattr(dbt, macro)() == column.translate_type(label), (engine, macro)
