"""The sales metric view (models/gold/sales_metrics.sql) without dbt: its YAML rendered for
both engines and checked against the metric view spec, its local data model built by the
project's macros on a small DuckDB fact, and MEASURE() queries on it compared with the same
numbers computed in Python from the rows (Decimal, half-up)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from macro_render import _JINJA, PROJECT_DIR, CompilationError, MacroHarness

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.semantic.metric_view import (
    COMMENT_MARKER,
    LocalMetricView,
    local_metric_views,
    measure_expression,
    parse_definition,
    query_sql,
    rewrite_for_duckdb,
    rewrite_measures,
)

MODEL = PROJECT_DIR / "models" / "gold" / "sales_metrics.sql"
D = dt.date

# order_line_id, order_id, customer_id, country, channel, category, segment, quantity,
# net_amount, is_revenue, order_date. Weeks of 2025-01-06, -13, -20 and -27, January and
# February; order 3 is cancelled; line 6 has no product version (category null).
LINES = [
    (1, 1, 10, "GB", "web", "toys", "retail", 2, "10.00", True, D(2025, 1, 6)),
    (2, 1, 10, "GB", "web", "books", "retail", 1, "5.55", True, D(2025, 1, 6)),
    (3, 2, 11, "DE", "mobile_app", "toys", "business", 3, "30.10", True, D(2025, 1, 8)),
    (4, 3, 12, "DE", "web", "toys", "retail", 1, "99.99", False, D(2025, 1, 8)),
    (5, 4, 10, "GB", "mobile_app", "books", "retail", 5, "12.35", True, D(2025, 1, 14)),
    (6, 5, 13, "GB", "web", None, None, 1, "7.01", True, D(2025, 1, 15)),
    (7, 6, 11, "DE", "web", "toys", "business", 2, "20.00", True, D(2025, 1, 29)),
    (8, 7, 14, "DE", "web", "books", "retail", 4, "40.04", True, D(2025, 2, 3)),
    (9, 7, 14, "DE", "web", "toys", "retail", 1, "1.01", True, D(2025, 2, 3)),
]
COUNTRIES = [("GB", "United Kingdom", "europe"), ("DE", "Germany", "europe")]
CHANNELS = [("web", "Web store"), ("mobile_app", "Mobile app")]


def render_model(engine: str, **vars: object) -> str:
    """The model's body as dbt renders it on `engine` (refs per the macro harness)."""
    harness = MacroHarness(engine, vars=vars or None)
    harness.override("config", lambda **_: "")
    harness.override("tojson", lambda value, **_: json.dumps(value))
    return _JINJA.from_string(MODEL.read_text()).render(**harness.context)


@pytest.fixture(scope="module")
def warehouse():
    """The fact and reference rows in DuckDB, and the model's data model view over them, as the
    DuckDB materialization creates it (view + comment)."""
    connection = duckdb.connect()
    connection.execute("attach ':memory:' as lakehouse_bi")
    connection.execute(
        "create table lakehouse_bi.main.fct_sales (order_line_id bigint, order_id bigint, "
        "customer_id bigint, country_code varchar, channel_code varchar, category varchar, "
        "customer_segment varchar, quantity int, net_amount decimal(18,2), is_revenue boolean, "
        "order_date date, currency_code varchar)"
    )
    connection.executemany(
        "insert into lakehouse_bi.main.fct_sales values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'EUR')",
        [list(line) for line in LINES],
    )
    connection.execute(
        "create table lakehouse_bi.main.countries (country_code varchar, country_name varchar, "
        "region varchar, currency_code varchar)"
    )
    connection.executemany(
        "insert into lakehouse_bi.main.countries values (?, ?, ?, 'EUR')", COUNTRIES
    )
    connection.execute(
        "create table lakehouse_bi.main.channels (channel_code varchar, channel_name varchar)"
    )
    connection.executemany("insert into lakehouse_bi.main.channels values (?, ?)", CHANNELS)
    body = render_model("duckdb")
    harness = MacroHarness("duckdb")
    harness.override("fromyaml", yaml.safe_load)
    definition = harness.call("metric_view_definition", body)
    view_sql = harness.call("metric_view_data_model_sql", definition)
    connection.execute(f"create view lakehouse_bi.main.sales_metrics as {view_sql}")
    comment = harness.call("sql_string_literal", COMMENT_MARKER + "\n" + body)
    connection.execute(f"comment on view lakehouse_bi.main.sales_metrics is {comment}")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def view(warehouse) -> LocalMetricView:
    views = local_metric_views(warehouse)
    assert set(views) == {"sales_metrics"}
    return views["sales_metrics"]


def revenue_lines() -> list[dict]:
    keys = ["line", "order", "customer", "country", "channel", "category", "segment", "quantity",
            "net", "is_revenue", "day"]  # fmt: skip
    return [
        {**dict(zip(keys, line, strict=True)), "net": Decimal(line[8])} for line in LINES if line[9]
    ]


def half_up(numerator: Decimal, denominator: Decimal, places: int) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# -- the definition ----------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["duckdb", "databricks"])
def test_model_yaml_follows_the_metric_view_spec_on_both_engines(engine):
    definition = parse_definition(render_model(engine), str(MODEL))
    assert definition.version == "1.1"
    assert definition.filter == "is_revenue"
    quote = '"' if engine == "duckdb" else "`"
    assert definition.source == f"{quote}lakehouse_bi{'' if engine == 'duckdb' else '_dev'}" + (
        f"{quote}.{quote}main{quote}.{quote}fct_sales{quote}"
    )
    assert [j.using for j in definition.joins] == [["country_code"], ["channel_code"]]
    assert [d.name for d in definition.dimensions] == [
        "order_date", "order_week", "order_month", "country_code", "country_name", "region",
        "channel_code", "channel_name", "category", "customer_segment",
    ]  # fmt: skip
    assert [m.name for m in definition.measures][:5] == [
        "revenue", "orders", "units", "customers", "average_order_value",
    ]  # fmt: skip
    # Genie and Catalog Explorer show these: every field is described.
    assert all(f.comment for f in [*definition.dimensions, *definition.measures])
    # Engine SQL comes from the dispatched macros: DuckDB `//`, Databricks `div`.
    aov = definition.measure("average_order_value").expr
    assert (" div " in aov) == (engine == "databricks") and ("//" in aov) == (engine == "duckdb")


def test_window_measures_follow_the_feature_flag():
    with_windows = parse_definition(render_model("databricks"), "on")
    without = parse_definition(render_model("databricks", enable_metric_view_windows=False), "off")
    windowed = [m.name for m in with_windows.measures if m.window]
    assert windowed == [
        "week_revenue", "previous_week_revenue", "month_revenue", "previous_month_revenue",
    ]  # fmt: skip
    assert [m.name for m in without.measures] == [
        "revenue", "orders", "units", "customers", "average_order_value",
    ]  # fmt: skip
    with pytest.raises(CompilationError, match="enable_metric_view_windows"):
        render_model("duckdb", enable_metric_view_windows="yes")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("version: 1.1", "version: 2.0"), r"version: .*expected one of 0\.1, 1\.1"),
        (("filter: is_revenue", "filtr: is_revenue"), r"filtr: Extra inputs are not permitted"),
        (("semiadditive: last", "semiadditive: newest"), r"semiadditive: Input should be"),
        (("range: trailing 1 week", "range: trailing a week"), r"range: Value error, expected"),
        (("MEASURE(revenue)", "MEASURE(revenu)"), r"MEASURE\(\) of unknown \['revenu'\]"),
        (
            ("using: [country_code]", "using: [country_code]\n    'on': source.a = countries.a"),
            r"joins\.0: Value error, needs exactly one of `on` and `using`",
        ),
    ],
)
def test_spec_violations_are_named(change, message):
    text = render_model("databricks").replace(*change, 1)
    with pytest.raises(ConfigError, match=message) as error:
        parse_definition(text, "models/gold/sales_metrics.sql")
    assert error.value.message.startswith("models/gold/sales_metrics.sql: invalid metric view")


def test_a_bare_on_key_is_read_as_the_join_condition():
    # PyYAML (YAML 1.1) reads `on:` as the boolean true; the docs warn of it.
    text = render_model("duckdb").replace(
        "using: [country_code]", "on: source.country_code = countries.country_code", 1
    )
    definition = parse_definition(text, "x")
    assert definition.joins[0].on == "source.country_code = countries.country_code"


def test_comment_marker_is_the_materialization_s():
    assert MacroHarness("duckdb").call("metric_view_comment_marker") == COMMENT_MARKER


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("source"), "has no `source`"),
        (lambda d: d["dimensions"][0].pop("expr"), r"dimensions\[0\] needs a `name` and an `expr`"),
        (lambda d: d["joins"][0].update(on="x = y"), r"joins\[0\] needs exactly one of `on`"),
        (lambda d: d["joins"][0].update(joins=[{"name": "n"}]), "nested .snowflake. joins"),
    ],
)
def test_the_duckdb_materialization_refuses_what_it_cannot_build(edit, message):
    definition = yaml.safe_load(render_model("duckdb"))
    edit(definition)
    harness = MacroHarness("duckdb", model={"original_file_path": "models/gold/sales_metrics.sql"})
    harness.override("fromyaml", yaml.safe_load)
    with pytest.raises(CompilationError, match=message) as error:
        harness.call("metric_view_definition", yaml.safe_dump(definition))
    assert str(error.value).startswith("models/gold/sales_metrics.sql: ")


# -- the local data model and MEASURE() --------------------------------------------------------
def test_data_model_view_holds_the_revenue_lines_with_dimensions_first(warehouse):
    cursor = warehouse.execute(
        "select * from lakehouse_bi.main.sales_metrics order by order_line_id"
    )
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    assert columns[:10] == [
        "order_date", "order_week", "order_month", "country_code", "country_name", "region",
        "channel_code", "channel_name", "category", "customer_segment",
    ]  # fmt: skip
    # The source's other columns follow, each once (dimensions named like one replace it).
    assert columns[10:] == [
        "order_line_id", "order_id", "customer_id", "quantity", "net_amount", "is_revenue",
        "currency_code",
    ]  # fmt: skip
    assert [r["order_line_id"] for r in rows] == [line["line"] for line in revenue_lines()]
    line6 = next(r for r in rows if r["order_line_id"] == 6)
    assert (line6["category"], line6["customer_segment"]) == ("unknown", "unknown")
    assert {(r["order_week"], r["order_month"]) for r in rows if r["order_id"] == 7} == {
        (D(2025, 2, 3), D(2025, 2, 1))
    }
    assert {r["channel_name"] for r in rows if r["channel_code"] == "mobile_app"} == {"Mobile app"}


def test_measures_by_day_country_channel_category_match_python(warehouse, view):
    dimensions = ["order_date", "country_code", "channel_code", "category"]
    measures = ["revenue", "orders", "units", "customers", "average_order_value"]
    got = warehouse.execute(query_sql(view, dimensions, measures)).fetchall()

    groups: dict[tuple, list[dict]] = defaultdict(list)
    for line in revenue_lines():
        groups[
            (line["day"], line["country"], line["channel"], line["category"] or "unknown")
        ].append(line)
    expected = []
    for key in sorted(groups):
        lines = groups[key]
        revenue = sum((line["net"] for line in lines), Decimal(0))
        orders = len({line["order"] for line in lines})
        expected.append(
            (*key, revenue, orders, sum(line["quantity"] for line in lines),
             len({line["customer"] for line in lines}), half_up(revenue, Decimal(orders), 2))
        )  # fmt: skip
    assert got == expected


def test_distinct_counts_stay_exact_across_groups(warehouse, view):
    """The point of a metric view: a total is computed from the rows, not summed from groups."""
    (total,) = warehouse.execute(
        query_sql(view, [], ["revenue", "orders", "customers", "average_order_value"])
    ).fetchall()
    lines = revenue_lines()
    revenue = sum((line["net"] for line in lines), Decimal(0))
    orders = len({line["order"] for line in lines})
    assert total == (revenue, orders, len({line["customer"] for line in lines}),
                     half_up(revenue, Decimal(orders), 2))  # fmt: skip
    by_day = warehouse.execute(query_sql(view, ["order_date"], ["customers"])).fetchall()
    assert sum(count for _, count in by_day) > total[2]  # customer 10 buys on two days


@pytest.mark.parametrize(
    ("grain", "start"), [("week", monday), ("month", lambda d: d.replace(day=1))]
)
def test_growth_window_measures_match_python(warehouse, view, grain, start):
    measures = [f"{grain}_revenue", f"previous_{grain}_revenue", f"{grain}_revenue_growth"]
    got = warehouse.execute(query_sql(view, [f"order_{grain}"], measures)).fetchall()

    per_period: dict[dt.date, Decimal] = defaultdict(Decimal)
    for line in revenue_lines():
        per_period[start(line["day"])] += line["net"]

    def previous(period: dt.date) -> dt.date:
        if grain == "week":
            return period - dt.timedelta(days=7)
        return (period - dt.timedelta(days=1)).replace(day=1)

    expected = []
    for period in sorted(per_period):
        before = per_period.get(previous(period))
        growth = None if not before else half_up(per_period[period] - before, before, 4)
        expected.append((period, per_period[period], before, growth))
    assert got == expected
    if grain == "week":  # the first week, and the week after one without revenue
        assert [row[0] for row in got if row[2] is None] == [D(2025, 1, 6), D(2025, 1, 27)]


def test_window_measure_without_its_order_dimension_takes_the_last_period(warehouse, view):
    got = warehouse.execute(
        query_sql(view, ["country_code"], ["week_revenue", "previous_week_revenue", "revenue"])
    ).fetchall()
    # DE: last week with revenue is 2025-02-03 (41.05), the week before (2025-01-27) 20.00.
    # GB: last week 2025-01-13 (19.36), the week before 15.55.
    assert got == [
        ("DE", Decimal("41.05"), Decimal("20.00"), Decimal("91.15")),
        ("GB", Decimal("19.36"), Decimal("15.55"), Decimal("34.91")),
    ]


def test_rewrite_runs_a_databricks_dataset_query_on_the_data_model(warehouse, view):
    dataset = (
        "select order_date as metric_date, region, measure(revenue) as revenue, "
        'MEASURE(`orders`) as orders, measure("average_order_value") as aov '
        "from lakehouse_bi.main.sales_metrics where order_date between DATE '2025-01-01' "
        "and DATE '2025-01-10' and ('All' = 'All' or country_code = 'measure(revenue)') "
        "group by all order by all"
    )
    views = {"sales_metrics": view}
    rewritten = rewrite_for_duckdb(dataset, views, "dataset x")
    assert "'measure(revenue)'" in rewritten and rewritten.lower().count("measure(") == 1
    assert warehouse.execute(rewritten).fetchall() == [
        (D(2025, 1, 6), "europe", Decimal("15.55"), 1, Decimal("15.55")),
        (D(2025, 1, 8), "europe", Decimal("30.10"), 1, Decimal("30.10")),
    ]
    plain = "select 1 from lakehouse_bi.main.sales_metrics"
    assert rewrite_for_duckdb(plain, views, "x") == plain


def test_measure_expression_inlines_composed_measures(view):
    sql = measure_expression(view.definition, "average_order_value")
    assert "MEASURE" not in sql.upper().replace("MEASURE_", "")
    assert sql.count("(COUNT(DISTINCT order_id))") == 3 and sql.count("(SUM(net_amount))") == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: measure_expression(v.definition, "margin"), "no measure 'margin'"),
        (lambda v: measure_expression(v.definition, "previous_week_revenue"), "window measure"),
        (lambda v: rewrite_measures("select measure(week_revenue_growth) from t", v.definition),
         "window measure"),
        (lambda v: rewrite_for_duckdb("select measure(revenue) from gold.fct_sales",
                                      {"sales_metrics": v}, "dataset d"),
         r"dataset d: MEASURE\(\) needs exactly one metric view in the query, found none"),
    ],
)  # fmt: skip
def test_measure_errors_say_what_to_do(view, call, message):
    with pytest.raises(ConfigError, match=message):
        call(view)


def test_only_marked_views_are_metric_views(warehouse):
    warehouse.execute("create view lakehouse_bi.main.other as select 1 as x")
    warehouse.execute("comment on view lakehouse_bi.main.other is 'version: 1.1'")
    assert set(local_metric_views(warehouse)) == {"sales_metrics"}
    warehouse.execute("drop view lakehouse_bi.main.other")


def test_the_project_has_one_metric_view_model():
    models = [
        path.relative_to(PROJECT_DIR)
        for path in (PROJECT_DIR / "models").rglob("*.sql")
        if re.search(r"materialized\s*=\s*['\"]metric_view['\"]", path.read_text())
    ]
    assert models == [Path("models/gold/sales_metrics.sql")]


# -- Sail: no metric views, but the definition's Databricks SQL computes the same numbers -------
def _sail_tables(spark) -> None:
    spark.sql("create schema if not exists mv_gold")
    rows = ", ".join(
        f"({line[0]}, {line[1]}, {line[2]}, '{line[3]}', '{line[4]}', "
        f"{repr(line[5]) if line[5] else 'null'}, {repr(line[6]) if line[6] else 'null'}, "
        f"{line[7]}, cast({line[8]} as decimal(18,2)), {str(line[9]).lower()}, "
        f"date'{line[10].isoformat()}', 'EUR')"
        for line in LINES
    )
    spark.sql(
        "create or replace temporary view fct_sales (order_line_id, order_id, customer_id, "
        "country_code, channel_code, category, customer_segment, quantity, net_amount, "
        f"is_revenue, order_date, currency_code) as values {rows}"
    )
    countries = ", ".join(f"('{c}', '{n}', '{r}', 'EUR')" for c, n, r in COUNTRIES)
    spark.sql(
        "create or replace temporary view countries (country_code, country_name, region, "
        f"currency_code) as values {countries}"
    )
    channels = ", ".join(f"('{c}', '{n}')" for c, n in CHANNELS)
    spark.sql(
        "create or replace temporary view channels (channel_code, channel_name) as values "
        + channels
    )


def _plain_query(definition, dimensions: list[str], measures: list[str]) -> str:
    """The metric view as one GROUP BY over its source and joins (what MEASURE() means for
    measures without a window), in Databricks SQL."""
    exprs = {d.name: d.expr for d in definition.dimensions}
    selected = [f"{exprs[d]} as `{d}`" for d in dimensions] + [
        f"{measure_expression(definition, m)} as `{m}`" for m in measures
    ]
    joins = " ".join(
        f"left join {j.source} as {j.name} using ({', '.join(j.using or [])})"
        for j in definition.joins
    )
    positions = ", ".join(str(i) for i in range(1, len(dimensions) + 1))
    # Sail resolves `group by all` as a column named all: group by positions instead.
    return (
        f"select {', '.join(selected)} from {definition.source} as source {joins} "
        f"where {definition.filter} group by {positions} order by {positions}"
    )


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
def test_sail_rejects_metric_views_but_agrees_on_the_definitions_sql(sail_spark, warehouse, view):
    """Sail (a Spark engine) has no metric views: the CREATE ... WITH METRICS dbt-databricks
    sends is refused, so the metric view itself cannot be compared across engines. Its
    definition can: the Databricks rendering of its dimensions and measures (integer_divide as
    `div`) run as a plain GROUP BY on Sail gives DuckDB's numbers, exact."""
    _sail_tables(sail_spark)
    # Sail's parser stops at WITH: "found with at 45:49 expected '.', '(', 'COMMENT', ...".
    with pytest.raises(Exception, match=r"found with at \d+:\d+ expected"):
        sail_spark.sql(
            "create or replace view mv_gold.sales_metrics with metrics language yaml as "
            "$$\nversion: 1.1\nsource: fct_sales\nmeasures:\n  - name: n\n    expr: count(1)\n$$"
        ).collect()
    bricks = parse_definition(
        render_model("databricks")
        .replace('"`lakehouse_bi_dev`.`main`.`fct_sales`"', "fct_sales")
        .replace('"`lakehouse_bi_dev`.`main`.`countries`"', "countries")
        .replace('"`lakehouse_bi_dev`.`main`.`channels`"', "channels"),
        "databricks rendering",
    )
    assert " div " in bricks.measure("average_order_value").expr
    dimensions = ["order_date", "region", "channel_name", "category"]
    measures = ["revenue", "orders", "units", "customers", "average_order_value"]
    on_sail = [
        tuple(row) for row in sail_spark.sql(_plain_query(bricks, dimensions, measures)).collect()
    ]
    on_duckdb = warehouse.execute(query_sql(view, dimensions, measures)).fetchall()
    assert on_sail == on_duckdb and len(on_sail) == 8
