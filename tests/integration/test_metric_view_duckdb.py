"""The sales metric view on DuckDB (the session's shared pipeline): the YAML of
models/gold/sales_metrics.sql, built by the project's `metric_view` materialization into a
view of its data model, gives through MEASURE() the same numbers as the marts and as an
independent computation from the landing files (landed_truth.py) -- exact Decimals, AOV and
growth half-up. Plus what the rest of the project sees of it: its lineage, the model rules
against the built relation, and validate-deployment's dashboard queries."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

import duckdb
import landed_truth
import pytest
from local_pipeline import LocalPipeline

from lakehouse_bi.lineage.columns import column_lineage
from lakehouse_bi.lineage.project_graph import ProjectGraph
from lakehouse_bi.semantic.metric_view import LocalMetricView, local_metric_views, query_sql
from lakehouse_bi.spec.model_quality import model_problems

BASE = ["revenue", "orders", "units", "customers", "average_order_value"]


@pytest.fixture(scope="module")
def built(pipeline: LocalPipeline) -> LocalPipeline:
    return pipeline


@pytest.fixture(scope="module")
def connection(built):
    with duckdb.connect(str(built.database), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def view(connection) -> LocalMetricView:
    views = local_metric_views(connection)
    assert list(views) == ["sales_metrics"]
    return views["sales_metrics"]


def _measures(connection, view, dimensions: list[str], measures: list[str]) -> list[tuple]:
    return connection.execute(query_sql(view, dimensions, measures)).fetchall()


def test_the_build_made_a_view_of_the_data_model_with_the_yaml_as_comment(connection, view):
    (kind,) = connection.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'gold' and table_name = 'sales_metrics'"
    ).fetchone()
    assert kind == "VIEW"
    assert view.schema == "gold" and view.definition.filter == "is_revenue"
    assert view.definition.source.endswith('"gold"."fct_sales"')
    # One data-model row per revenue-bearing fct_sales line.
    (rows, lines) = connection.execute(
        "select (select count(*) from gold.sales_metrics), "
        "(select count(*) from gold.fct_sales where is_revenue)"
    ).fetchone()
    assert rows == lines > 0


def test_measures_by_day_country_channel_category_equal_the_mart_and_the_landing_files(
    built, connection, view
):
    dimensions = ["order_date", "country_code", "channel_code", "category"]
    got = _measures(connection, view, dimensions, BASE)
    mart = connection.execute(
        "select metric_date, country_code, channel_code, category, revenue, orders, units, "
        "customers, average_order_value from gold.sales_dashboard_metrics order by all"
    ).fetchall()
    assert got == mart

    truth = landed_truth.dashboard_metrics(built.landing)
    assert {row[:4]: row[4:] for row in got} == {
        key: tuple(totals[m] for m in BASE) for key, totals in truth.items()
    }


def test_totals_are_exact_distinct_counts_not_sums_of_groups(built, connection, view):
    (total,) = _measures(connection, view, [], BASE)
    sales = landed_truth.revenue_lines(built.landing)
    revenue = sum((s.revenue for s in sales), Decimal(0))
    orders = len({s.order_id for s in sales})
    assert total == (
        revenue,
        orders,
        sum(s.quantity for s in sales),
        len({s.customer_id for s in sales}),
        landed_truth.divide_half_up(revenue, orders, 2),
    )
    # What a dashboard would get by adding up the daily mart's distinct counts instead:
    (summed,) = connection.execute(
        "select sum(customers) from gold.sales_dashboard_metrics"
    ).fetchone()
    assert summed > total[3]


def test_region_and_segment_come_from_the_joins_and_the_as_of_attributes(connection, view):
    by_region = dict(_measures(connection, view, ["region"], ["revenue"]))
    expected = dict(
        connection.execute(
            "select countries.region, sum(sales.net_amount) from gold.fct_sales as sales "
            "left join reference.countries as countries using (country_code) "
            "where sales.is_revenue group by 1"
        ).fetchall()
    )
    assert by_region == expected and len(by_region) > 1
    by_segment = dict(_measures(connection, view, ["customer_segment"], ["orders"]))
    expected = dict(
        connection.execute(
            "select coalesce(customer_segment, 'unknown'), count(distinct order_id) "
            "from gold.fct_sales where is_revenue group by 1"
        ).fetchall()
    )
    assert by_segment == expected


def _calendar_growth(totals: dict[dt.date, dict], previous_of) -> dict[dt.date, tuple]:
    """Each period's revenue, the calendar-previous period's (None without sales) and the
    growth half-up to 4 places: what the metric view's window measures define."""
    result = {}
    for period in sorted(totals):
        before = totals.get(previous_of(period), {}).get("revenue")
        growth = (
            landed_truth.divide_half_up(totals[period]["revenue"] - before, before, 4)
            if before
            else None
        )
        result[period] = (totals[period]["revenue"], before, growth)
    return result


@pytest.mark.parametrize(
    ("grain", "truth", "previous_of"),
    [
        ("week", landed_truth.weekly_totals, lambda d: d - dt.timedelta(days=7)),
        (
            "month",
            landed_truth.monthly_totals,
            lambda d: (d - dt.timedelta(days=1)).replace(day=1),
        ),
    ],
)
def test_growth_window_measures_equal_the_landing_files_and_executive_summary(
    built, connection, view, grain, truth, previous_of
):
    measures = [f"{grain}_revenue", f"previous_{grain}_revenue", f"{grain}_revenue_growth"]
    got = _measures(connection, view, [f"order_{grain}"], measures)
    expected = _calendar_growth(truth(built.landing), previous_of)
    assert {row[0]: row[1:] for row in got} == expected

    summary = {
        row[0]: row[1:]
        for row in connection.execute(
            "select period_start, revenue, previous_revenue, revenue_growth_rate "
            "from gold.executive_summary where period_grain = ? order by 1",
            [grain],
        ).fetchall()
    }
    # executive_summary compares with the previous period that had sales (lag), the metric
    # view with the calendar's previous one: they agree wherever no period was empty.
    consecutive = [p for p in expected if previous_of(p) in expected or p == min(expected)]
    assert len(consecutive) >= 3
    assert {p: summary[p] for p in consecutive} == {p: expected[p] for p in consecutive}


def test_lineage_follows_each_dimension_and_measure_to_its_columns(built):
    lineage = column_lineage(ProjectGraph.load(built.target / "manifest.json"))
    assert "model.lakehouse_bi.sales_metrics" not in lineage.unparsed
    columns = {
        name: sorted(ref.label for ref in refs)
        for name, refs in lineage.models["model.lakehouse_bi.sales_metrics"].items()
    }
    assert columns["region"] == ["reference.countries.region"]
    assert columns["order_month"] == ["gold.fct_sales.order_date"]
    assert columns["average_order_value"] == [
        "gold.fct_sales.is_revenue", "gold.fct_sales.net_amount", "gold.fct_sales.order_id",
    ]  # fmt: skip
    assert "landing.order_lines.unit_price" in lineage.upstream("gold.sales_metrics.revenue")


def test_model_rules_hold_against_the_built_relations(built, connection):
    manifest = json.loads((built.target / "manifest.json").read_text())
    rows = connection.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'gold'"
    ).fetchall()
    columns: dict[str, list[str]] = defaultdict(list)
    for table, column in rows:
        columns[table].append(column)
    problems = model_problems(manifest, {"sales_metrics": columns["sales_metrics"]})
    assert problems == []
    assert "net_amount" in columns["sales_metrics"]  # the data model, not declared columns
