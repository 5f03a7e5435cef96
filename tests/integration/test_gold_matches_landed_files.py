"""Gold marts equal an independent computation from the landing files (landed_truth.py)."""

from __future__ import annotations

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
        assert got["average_order_value"] == truth["average_order_value"], key


def test_executive_summary_totals_and_growth_match_landing_files(pipeline):
    measures = (
        "revenue",
        "orders",
        "customers",
        "average_order_value",
        "revenue_growth_rate",
        "orders_growth_rate",
        "customers_growth_rate",
    )
    for grain, totals in (
        ("month", landed_truth.monthly_totals(pipeline.landing)),
        ("week", landed_truth.weekly_totals(pipeline.landing)),
    ):
        expected = landed_truth.with_growth(totals)
        rows = pipeline.query(
            f"select period_start, {', '.join(measures)} from gold.executive_summary "
            f"where period_grain = '{grain}' order by period_start"
        )
        assert [r[0] for r in rows] == sorted(expected), grain
        for period_start, *values in rows:
            truth = expected[period_start]
            # Exact: decimals from the warehouse against exact, half-up Python decimals.
            assert dict(zip(measures, values, strict=True)) == {m: truth[m] for m in measures}, (
                grain,
                period_start,
            )


def test_gold_marts_are_not_empty_and_cover_every_revenue_order(pipeline):
    truth_orders = {s.order_id for s in landed_truth.revenue_lines(pipeline.landing)}
    (fct_orders,) = pipeline.query(
        "select count(distinct order_id) from gold.fct_sales where is_revenue"
    )[0:1]
    assert fct_orders[0] == len(truth_orders) > 0
