"""The fake warehouse's second backend: run the recorded SQL on Sail, a local Spark engine.

`SailServer` starts a Sail Spark Connect server (pysail) on a free loopback port with one
in-memory catalog named like the Databricks target's catalog and a Delta warehouse folder,
so the adapter's three-part names resolve unchanged. `SailBackend.execute` takes a statement
as dbt-databricks sent it, applies the rewrite layer (sail_rewrite: what is not sent, what
is rewritten and why), replaces each `read_files(...)` by a temporary view over the real
landed files (sail_files), runs it, and returns the rows with Databricks type names.

Every statement Sail refuses raises `SailExecutionError` (a `ServerOperationError`, which
dbt reports as a database error): nothing falls back to an empty answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from databricks.sql.exc import ServerOperationError

from .query_engine import QueryResult
from .sail_files import (
    ReadFilesCall,
    inference_reader_args,
    list_files,
    listing_table,
    permissive_table,
    well_formed_copy,
)
from .sail_rewrite import rewrite_for_sail
from .sql_text import paren_body, strip_leading_comments, unquote_string

PYSAIL_VERSION = "0.7.2"


class SailExecutionError(ServerOperationError):
    """Sail refused a statement (the message names it and Sail's error)."""


@contextlib.contextmanager
def sail_server(catalog: str, warehouse_dir: Path) -> Iterator[str]:
    """A Sail Spark Connect server on 127.0.0.1 (free port); yields its `sc://` URL and stops
    it on exit. `catalog` becomes Sail's default in-memory catalog."""
    from pysail.spark import SparkConnectServer

    warehouse_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "SAIL_CATALOG__LIST": (
            f'[{{name="{catalog}", type="memory", initial_database=["default"]}}]'
        ),
        "SAIL_CATALOG__DEFAULT_CATALOG": catalog,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        server = SparkConnectServer(ip="127.0.0.1", port=0)
        server.start(background=True)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        host, port = server.listening_address
        yield f"sc://{host}:{port}"
    finally:
        server.stop()


_READ_FILES = re.compile(r"\bread_files\s*\(", re.I)
_DESCRIBE_QUERY = re.compile(r"\Adesc(?:ribe)?\s+query\s+(?P<query>.*)\Z", re.I | re.S)
_COMMAND = re.compile(
    r"\A(create|drop|alter|insert|merge|update|delete|use|truncate|comment|set|refresh)\b", re.I
)
_DML_VERBS = ("insert", "merge", "update", "delete")


_PATH_ARG = re.compile(r"\A\s*('(?:[^'\\]|\\.)*')")
_OPTION_ARG = re.compile(r",\s*(\w+)\s*=>\s*('(?:[^'\\]|\\.)*'|[^,]+?)\s*(?=,|\Z)")


def parse_read_files_args(args: str) -> ReadFilesCall:
    """`'path', format => 'csv', header => true, ...` -> ReadFilesCall (options lower-cased)."""
    path = _PATH_ARG.match(args)
    if path is None:
        raise ValueError(f"read_files(): the first argument must be a path literal: {args[:200]}")
    options = {
        name.lower(): unquote_string(value) if value.startswith("'") else value
        for name, value in _OPTION_ARG.findall(args.rstrip(), path.end())
    }
    return ReadFilesCall(unquote_string(path.group(1)), options)


@dataclass
class SailBackend:
    """One Spark Connect session on a Sail server, shared by every fake connection."""

    url: str
    warehouse_dir: Path  # where Sail writes the Delta tables (absolute)
    executed: list[tuple[str, list[str]]] = field(default_factory=list)  # (sent SQL, rewrites)
    not_sent: list[str] = field(default_factory=list)
    # (read_files path, options, files it opened) of every record-reading call.
    files_read: list[tuple[str, dict[str, str], list[str]]] = field(default_factory=list)
    _views: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.remote(self.url)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", str(self.warehouse_dir.resolve()))
            # Databricks' default table format; Sail's own default is parquet.
            .config("spark.sql.sources.default", "delta")
            .getOrCreate()
        )
        self._namespace: tuple[str, str] | None = None

    def close(self) -> None:
        self.spark.stop()

    # -- statements -------------------------------------------------------------------------

    def execute(self, sql: str, catalog: str, schema: str) -> QueryResult | None:
        """Run one statement; None if it is not sent (Databricks-only, kept in the record)."""
        text = strip_leading_comments(sql).rstrip().rstrip(";").strip()
        sent, applied = rewrite_for_sail(text)
        if sent is None:
            self.not_sent.append(text)
            return None
        with self._lock:
            self._use(catalog, schema)
            try:
                sent = self._substitute_read_files(sent)
                self.executed.append((sent, applied))
                if m := _DESCRIBE_QUERY.match(sent):
                    return self._describe_query(m.group("query"))
                df = self.spark.sql(sent)
                if _COMMAND.match(sent):
                    return self._command_result(sent, df)
                return self._rows(df)
            except SailExecutionError:
                raise
            except Exception as error:  # pyspark's errors do not share one base class
                first = str(error).strip().splitlines()[0][:2000] if str(error).strip() else ""
                raise SailExecutionError(
                    f"Sail refused the statement: {type(error).__name__}: {first}\n"
                    f"--- statement sent ---\n{sent[:4000]}"
                ) from error

    def table_columns(self, qualified: str) -> list[tuple[str, str]]:
        """(name, Databricks type) of a table or view as Sail holds it."""
        with self._lock:
            schema = self.spark.table(qualified).schema
        return [(f.name, f.dataType.simpleString()) for f in schema.fields]

    def _use(self, catalog: str, schema: str) -> None:
        if self._namespace == (catalog, schema):
            return
        self.spark.sql(f"create schema if not exists `{catalog}`.`{schema}`")
        self.spark.catalog.setCurrentCatalog(catalog)
        self.spark.catalog.setCurrentDatabase(schema)
        self._namespace = (catalog, schema)

    def _command_result(self, sent: str, df) -> QueryResult:
        verb = sent.split(None, 1)[0].lower()
        if verb not in _DML_VERBS:
            return QueryResult([], [])
        table = df.toArrow()  # Sail reports the count as uint64, which collect() refuses
        count = int(table.column(0)[0].as_py()) if table.num_rows and table.num_columns else 0
        names = {
            "merge": [
                "num_affected_rows",
                "num_updated_rows",
                "num_deleted_rows",
                "num_inserted_rows",
            ],
            "insert": ["num_affected_rows", "num_inserted_rows"],
        }.get(verb, ["num_affected_rows"])
        values = [count] + [0] * (len(names) - 1)
        if verb == "insert":
            values = [count, count]
        return QueryResult([(n, "bigint") for n in names], [tuple(values)])

    def _rows(self, df) -> QueryResult:
        table = df.toArrow()
        schema = df.schema
        columns = [(f.name, f.dataType.simpleString()) for f in schema.fields]
        rows = [tuple(_python_value(v) for v in row.values()) for row in table.to_pylist()]
        return QueryResult(columns, rows)

    def _describe_query(self, query: str) -> QueryResult:
        schema = self.spark.sql(query).schema
        return QueryResult(
            [("col_name", "string"), ("data_type", "string"), ("comment", "string")],
            [(f.name, f.dataType.simpleString(), None) for f in schema.fields],
        )

    # -- read_files -------------------------------------------------------------------------

    def _substitute_read_files(self, sql: str) -> str:
        while m := _READ_FILES.search(sql):
            args, end = paren_body(sql, m.end() - 1)
            view = self._register(parse_read_files_args(args))
            sql = sql[: m.start()] + view + sql[end:]
        return sql

    def _register(self, call: ReadFilesCall) -> str:
        self._views += 1
        view = f"__read_files_{self._views}"
        if call.format == "binaryfile":
            df = self._from_arrow(listing_table(call))
        elif "schema" in call.options:
            self.files_read.append((call.path, dict(call.options), list_files(call)))
            df = self._from_arrow(permissive_table(call))
        else:
            fmt, options, files = inference_reader_args(call)
            if not files:
                raise SailExecutionError(f"read_files: no file matches {call.path}")
            scratch = self.warehouse_dir / "_inference"
            readable = [well_formed_copy(f, fmt, scratch) for f in files]
            readable = [str(path) for path in readable if path is not None]
            if readable:
                df = self.spark.read.format(fmt).options(**options).load(readable)
            else:  # PERMISSIVE: every record corrupt, only the corrupt-record column
                df = self._from_arrow(pa.table({"_corrupt_record": pa.array([], pa.string())}))
        df.createOrReplaceTempView(view)
        return view

    def _from_arrow(self, table: pa.Table):
        if table.num_rows == 0:
            # Spark Connect cannot ship an empty Arrow batch with a schema everywhere: an
            # empty table is a filtered one-row table.
            return self.spark.createDataFrame(_one_null_row(table)).limit(0)
        return self.spark.createDataFrame(table)


def _one_null_row(table: pa.Table) -> pa.Table:
    return pa.table({f.name: pa.nulls(1, f.type) for f in table.schema})


def _python_value(value: object) -> object:
    """Values as the Databricks connector hands them over: naive UTC timestamps."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value
