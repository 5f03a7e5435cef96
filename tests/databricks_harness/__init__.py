"""Offline proof of the Databricks side: the real dbt-databricks adapter, run in-process, talks
to a fake warehouse that records every statement and answers introspection from an in-memory
Unity Catalog kept up to date by the DDL it receives.

    warehouse = FakeWarehouse("lakehouse_bi_ci", "ci")
    write_profile(profiles_dir, "lakehouse_bi", catalog="lakehouse_bi_ci", schema="ci")
    fresh = record_dbt(project_dir, profiles_dir, ["build"], warehouse=warehouse, label="fresh")
    again = record_dbt(project_dir, profiles_dir, ["build"], warehouse=warehouse, label="incr")
    failures = parse_failures(fresh + again)  # sqlfluff, databricks dialect

Modules: fake_connection (DB-API connection/cursor, statement log), catalog (the in-memory
catalog and its DDL), introspection (what each statement is answered), query_engine (SELECTs
over empty tables via sqlglot + DuckDB), information_schema, sql_parse (sqlfluff), reference
(normalised reference files), runner (patching and dbtRunner), sql_text (lexical helpers).

Execution on a Spark engine: `FakeWarehouse(..., backend=SailBackend(url, warehouse_dir))`
sends DDL, DML and data queries to a local Sail server (`sail_server`), after the rewrite
layer of sail_rewrite (NOT_SENT: Databricks-only statements kept in the recording but not
executed; REWRITES: what Sail cannot parse, each with its reason); `read_files` runs over the
real landed files (sail_files); the adapter's introspection is still answered by the fake
catalog, with column types as Sail created them.
"""

from .fake_connection import FakeWarehouse, RecordedStatement
from .runner import DbtRunError, record_dbt, write_profile
from .sql_parse import ParseFailure, parse_failures

__all__ = [
    "DbtRunError",
    "FakeWarehouse",
    "ParseFailure",
    "RecordedStatement",
    "parse_failures",
    "record_dbt",
    "write_profile",
]
