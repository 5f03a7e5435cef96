"""Re-running the pipeline with no new landing files changes nothing."""

from __future__ import annotations

TABLES = [
    "bronze.bronze_orders",
    "bronze.bronze_order_lines",
    "bronze.bronze_web_events",
    "bronze.bronze_customers",
    "bronze.bronze_products",
    "silver.fct_order",
    "silver.fct_order_line",
    "silver.fct_web_event",
    "silver.dim_customer",
    "silver.dim_product",
    "gold.fct_sales",
    "gold.sales_dashboard_metrics",
    "gold.executive_summary",
]


def _snapshot(pipeline) -> dict[str, list[tuple]]:
    return {table: pipeline.table(table) for table in TABLES}


def test_rebuild_without_new_files_changes_no_row(pipeline):
    before = _snapshot(pipeline)
    pipeline.dbt("build", "--exclude", "resource_type:test", "resource_type:unit_test")
    after = _snapshot(pipeline)
    for table in TABLES:
        assert after[table] == before[table], f"{table} changed on a no-op rerun"
    assert all(before[t] for t in TABLES)
