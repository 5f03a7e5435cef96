"""Gold marts equal an independent computation from the landing files (landed_truth.py)."""

from __future__ import annotations

from decimal import Decimal

import landed_truth


def test_sales_dashboard_metrics_match_landing_files(pipeline):
    expected = landed_truth.dashboard_metrics(pipeline.landing)
    rows = pipeline.query(
        "select metric_date, country_code, channel_code, category, revenue, orders, units, "
        "customers, average_order_value from gold.sales_dashboard_metrics"
    )
    actual = {
        tuple(row[:4]): {
            "revenue": row[4],
            "orders": row[5],
            "units": row[6],
            "customers": row[7],
            "average_order_value": row[8],
        }
        for row in rows
    }
    assert len(rows) == len(actual), "one row per day, country, channel and category"
    assert actual.keys() == expected.keys()
    for key, truth in expected.items():
        got = actual[key]
        assert got["revenue"] == truth["revenue"], key
        assert (got["orders"], got["units"], got["customers"]) == (
            truth["orders"],
            truth["units"],
            truth["customers"],
        ), key
        assert abs(got["average_order_value"] - truth["average_order_value"]) <= Decimal("0.01")


def test_executive_summary_totals_and_growth_match_landing_files(pipeline):
    for grain, expected in (
        ("month", landed_truth.monthly_totals(pipeline.landing)),
        ("week", landed_truth.weekly_totals(pipeline.landing)),
    ):
        rows = pipeline.query(
            "select period_start, revenue, orders, customers, revenue_growth_rate "
            f"from gold.executive_summary where period_grain = '{grain}' order by period_start"
        )
        assert [r[0] for r in rows] == sorted(expected), grain
        previous = None
        for period_start, revenue, orders, customers, growth in rows:
            truth = expected[period_start]
            assert (revenue, orders, customers) == (
                truth["revenue"],
                truth["orders"],
                truth["customers"],
            ), (grain, period_start)
            if previous is None:
                assert growth is None
            else:
                assert abs(growth - (revenue - previous) / previous) < Decimal("0.0001")
            previous = revenue


def test_gold_marts_are_not_empty_and_cover_every_revenue_order(pipeline):
    truth_orders = {s.order_id for s in landed_truth.revenue_lines(pipeline.landing)}
    (fact_orders,) = pipeline.query(
        "select count(distinct order_id) from gold.fct_sales where is_revenue"
    )[0:1]
    assert fact_orders[0] == len(truth_orders) > 0
