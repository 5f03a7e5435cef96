"""`lakehouse-bi lineage` on the real project's compiled SQL: known column edges, end to end
down to the landing files, and the model diagram."""

from __future__ import annotations

import json


def test_column_lineage_of_the_built_project(observed):
    output = observed.root / "column_lineage.json"
    diagram = observed.root / "model_lineage.md"
    completed = observed.run(
        "lakehouse-bi", "lineage",
        "--manifest", str(observed.built_manifest),
        "--output", str(output),
        "--diagram", str(diagram),
        "--column", "gold.sales_dashboard_metrics.revenue",
    )  # fmt: skip
    lineage = json.loads(output.read_text())
    edges = {(edge["from"], edge["to"]) for edge in lineage["edges"]}
    assert ("gold.fct_sales.net_amount", "gold.sales_dashboard_metrics.revenue") in edges
    assert ("silver.fct_order_line.net_amount", "gold.fct_sales.net_amount") in edges
    assert ("gold.fct_sales.order_id", "gold.sales_dashboard_metrics.orders") in edges
    assert (
        "reference.countries.country_name",
        "gold.sales_dashboard_metrics.country_name",
    ) in edges
    assert lineage["unparsed"] == {}
    # Transitively, revenue comes from the landed order-line amounts and nothing else.
    upstream = completed.stdout.split(" <- ", 1)[1]
    for column in ("quantity", "unit_price", "discount_amount"):
        assert f"landing.order_lines.{column}" in upstream
    assert "landing.orders" not in upstream
    picture = diagram.read_text()
    assert "flowchart LR" in picture
    assert "model_lakehouse_bi_fct_sales --> model_lakehouse_bi_sales_dashboard_metrics" in picture
