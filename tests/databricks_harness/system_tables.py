"""DuckDB stand-ins for the Databricks system tables the cost attribution reads.

Columns and nesting follow the Databricks docs pages "Billable usage system table reference"
(system.billing.usage), "Pricing system table reference" (system.billing.list_prices) and
"Query history system table reference" (system.query.history), reduced to what the tests use
plus a few neighbours. DuckDB reserves the catalog name `system`: the tables live in a catalog
`system_tables`, and `duckdb_statement` rewrites the statement's `system.` references to it
after sqlglot transpiles it from the Databricks dialect.
"""

from __future__ import annotations

import duckdb
import sqlglot
from sqlglot import exp

CATALOG = "system_tables"

SCHEMA = """
attach ':memory:' as system_tables;
create schema system_tables.billing;
create schema system_tables.query;
create table system_tables.billing.usage (
    record_id varchar, account_id varchar, workspace_id varchar, sku_name varchar,
    cloud varchar, usage_start_time timestamptz, usage_end_time timestamptz, usage_date date,
    custom_tags map(varchar, varchar), usage_unit varchar, usage_quantity decimal(38, 18),
    usage_metadata struct(cluster_id varchar, job_id varchar, warehouse_id varchar,
        job_run_id varchar),
    record_type varchar, billing_origin_product varchar,
    product_features struct(is_serverless boolean, sql_tier varchar)
);
create table system_tables.billing.list_prices (
    price_start_time timestamptz, price_end_time timestamptz, account_id varchar,
    sku_name varchar, cloud varchar, currency_code varchar, usage_unit varchar,
    pricing struct("default" decimal(38, 18), promotional struct("default" decimal(38, 18)),
        effective_list struct("default" decimal(38, 18)))
);
create table system_tables.query.history (
    account_id varchar, workspace_id varchar, statement_id varchar, execution_status varchar,
    compute struct(type varchar, cluster_id varchar, warehouse_id varchar),
    executed_by varchar, statement_text varchar, start_time timestamptz, end_time timestamptz,
    total_duration_ms bigint,
    query_source struct(job_info struct(job_id varchar, job_run_id varchar,
        job_task_run_id varchar), dashboard_id varchar),
    query_tags map(varchar, varchar)
);
"""


def system_tables_duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with empty system_tables.billing.usage, .billing.list_prices and
    .query.history."""
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con


def duckdb_statement(sql: str) -> str:
    """A Databricks statement in DuckDB's dialect (sqlglot), `system.` -> `system_tables.`."""
    tree = sqlglot.parse_one(sql, read="databricks")
    for table in tree.find_all(exp.Table):
        if table.catalog == "system":
            table.set("catalog", exp.to_identifier(CATALOG))
    return tree.sql(dialect="duckdb")
