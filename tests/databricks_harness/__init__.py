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
