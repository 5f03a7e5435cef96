"""A DB-API 2.0 stand-in for `databricks.sql.connect` that records every statement.

`FakeWarehouse.connect` has the connector's signature (keyword arguments as dbt-databricks
passes them); its connections share one in-memory catalog, so a later dbt invocation against
the same warehouse sees what an earlier one created.
"""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from databricks.sql.exc import ProgrammingError
from databricks.sql.types import Row
from databricks.sql.utils import ParamEscaper, inject_parameters

from .catalog import Catalog, Session
from .introspection import CannedAnswer, Responder
from .query_engine import QueryEngine, QueryResult
from .sql_text import strip_leading_comments

if TYPE_CHECKING:
    from .sail_backend import SailBackend

_NODE_ID = re.compile(r'"node_id":\s*"([^"]+)"')
_CONNECTION_NAME = re.compile(r'"connection_name":\s*"([^"]*)"')


@dataclass(frozen=True)
class RecordedStatement:
    seq: int
    invocation: str  # label of the dbt invocation, e.g. "fresh" / "incremental"
    sql: str  # as the warehouse receives it (inline parameters rendered)
    kind: str  # e.g. "CREATE TABLE", "MERGE", "INSERT", "SELECT", "DESCRIBE AS JSON"
    node_id: str | None  # from dbt's query comment; None for non-node (e.g. hook) queries
    connection_name: str | None = None  # dbt connection of non-node queries ("master", ...)
    is_metadata_call: bool = False  # cursor.tables()/schemas()/columns(): not SQL text
    # The session's QUERY_TAGS (connect(session_configuration=...)), which Databricks records
    # with every statement of the session in system.query.history.query_tags.
    query_tags: str | None = None

    @property
    def body(self) -> str:
        """The statement without dbt's leading query comment."""
        return strip_leading_comments(self.sql)


_KIND_PATTERNS = [
    (r"create\s+(?:or\s+replace\s+)?(?:global\s+)?temp(?:orary)?\s+view", "CREATE TEMPORARY VIEW"),
    (r"create\s+(?:or\s+replace\s+)?materialized\s+view", "CREATE MATERIALIZED VIEW"),
    (r"create\s+(?:or\s+replace\s+)?streaming\s+table", "CREATE STREAMING TABLE"),
    (r"create\s+(?:or\s+replace\s+)?view\s+\S+\s+with\s+metrics\b", "CREATE METRIC VIEW"),
    (r"create\s+(?:or\s+replace\s+)?view", "CREATE VIEW"),
    (r"create\s+(?:or\s+replace\s+)?table", "CREATE TABLE"),
    (r"create\s+(?:schema|database)", "CREATE SCHEMA"),
    (r"create\s+(?:or\s+replace\s+)?(?:temporary\s+)?function", "CREATE FUNCTION"),
    (r"desc(?:ribe)?\s+(?:table\s+)?extended\s+.*\s+as\s+json\s*$", "DESCRIBE AS JSON"),
    (r"desc(?:ribe)?\s+history", "DESCRIBE HISTORY"),
    (r"desc(?:ribe)?\s+(?:table\s+)?(?:extended|formatted)", "DESCRIBE EXTENDED"),
    (r"desc(?:ribe)?\b", "DESCRIBE"),
    (r"show\s+table\s+extended", "SHOW TABLE EXTENDED"),
    (r"show\s+(\w+)", None),
    (r"merge\s+into", "MERGE"),
    (r"insert\s+(?:into|overwrite)", "INSERT"),
    (r"(?:with\b|select\b|\()", "SELECT"),
    (
        r"alter\s+(table|view|materialized\s+view|streaming\s+table)\s+\S+\s+(\w+(?:\s+\w+)?)",
        None,
    ),
    (r"comment\s+on", "COMMENT ON"),
    (r"drop\s+(\w+)", None),
    (r"use\b", "USE"),
    (r"(\w+)", None),
]


def statement_kind(sql: str) -> str:
    text = strip_leading_comments(sql)
    for pattern, kind in _KIND_PATTERNS:
        m = re.match(pattern, text, re.IGNORECASE | re.DOTALL)
        if not m:
            continue
        if kind is not None:
            return kind
        head = text.split(None, 1)[0].upper()
        if (
            head == "ALTER" and m.re.groups >= 2
        ):  # e.g. ALTER TABLE SET TAGS, ALTER TABLE ALTER COLUMN
            return re.sub(r"\s+", " ", f"ALTER {m.group(1)} {m.group(2)}").upper()
        return f"{head} {m.group(1).upper()}" if head != m.group(1).upper() else head
    return "EMPTY"


class FakeWarehouse:
    """One fake SQL warehouse: a catalog, the answering logic and the statement log."""

    def __init__(
        self,
        catalog: str,
        schema: str,
        read_files_columns: Callable[[str], list[tuple[str, str]] | None] | None = None,
        backend: SailBackend | None = None,
    ) -> None:
        self.catalog = Catalog(catalog, schema)
        self.engine = QueryEngine(self.catalog, read_files_columns)
        self.catalog.column_source = self.engine.output_columns
        self.responder = Responder(self.catalog, self.engine, backend=backend)
        self.statements: list[RecordedStatement] = []
        # Called with each new statement (e.g. to parse it while dbt goes on).
        self.listeners: list[Callable[[RecordedStatement], None]] = []
        self.connect_kwargs: list[dict[str, Any]] = []
        self.invocation = "default"
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def add_canned_answer(self, pattern: str, rows: list[tuple]) -> CannedAnswer:
        """Answer SELECTs whose text matches `pattern` (regex, case-insensitive) with `rows`."""
        canned = CannedAnswer(re.compile(pattern, re.IGNORECASE | re.DOTALL), rows)
        self.responder.canned.append(canned)
        return canned

    def connect(self, **kwargs: Any) -> FakeConnection:
        """Drop-in for `databricks.sql.connect(server_hostname=..., http_path=..., ...)`."""
        for required in ("server_hostname", "http_path"):
            if not kwargs.get(required):
                raise ValueError(f"databricks.sql.connect() needs {required}")
        self.connect_kwargs.append(kwargs)
        session = Session(
            catalog=(kwargs.get("catalog") or "hive_metastore").lower(),
            schema=(kwargs.get("schema") or "default").lower(),
        )
        connection = FakeConnection(self, session)
        connection.query_tags = (kwargs.get("session_configuration") or {}).get("QUERY_TAGS")
        return connection

    def record(self, sql: str, connection: FakeConnection, is_metadata_call: bool = False) -> None:
        head = sql[:2000]
        node = _NODE_ID.search(head)
        conn_name = _CONNECTION_NAME.search(head)
        if node:
            connection.last_node_id = node.group(1)
        elif conn_name:
            connection.last_node_id = None
        # Seed loads go through adapter.add_query without dbt's query comment: attribute them to
        # the node that last spoke on this connection.
        node_id = node.group(1) if node else None
        if node_id is None and not conn_name and not is_metadata_call:
            node_id = connection.last_node_id
        with self._lock:
            statement = RecordedStatement(
                seq=next(self._seq),
                invocation=self.invocation,
                sql=sql,
                kind="METADATA CALL" if is_metadata_call else statement_kind(sql),
                node_id=node_id,
                connection_name=conn_name.group(1) if conn_name else None,
                is_metadata_call=is_metadata_call,
                query_tags=connection.query_tags,
            )
            self.statements.append(statement)
        for listener in self.listeners:
            listener(statement)


class FakeConnection:
    def __init__(self, warehouse: FakeWarehouse, session: Session):
        self.warehouse = warehouse
        self.session = session
        self.open = True
        self.last_node_id: str | None = None
        self.query_tags: str | None = None
        self._session_id = uuid.uuid4()

    def cursor(self, *args: Any, **kwargs: Any) -> FakeCursor:
        if not self.open:
            raise ProgrammingError("Cannot create cursor from closed connection")
        return FakeCursor(self)

    def get_session_id(self) -> uuid.UUID:
        return self._session_id

    def get_session_id_hex(self) -> str:
        return self._session_id.hex

    def close(self) -> None:
        self.open = False

    def commit(self) -> None:
        """Databricks SQL auto-commits; nothing to do."""

    def rollback(self) -> None:
        """Databricks SQL auto-commits; nothing to do."""

    def __enter__(self) -> FakeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeCursor:
    arraysize = 10000

    def __init__(self, connection: FakeConnection):
        self.connection = connection
        self.open = True
        self.rowcount = -1
        self._result: QueryResult | None = None
        self._rows: list[Row] = []
        self._pos = 0
        self._query_id: str | None = None

    # -- execution --------------------------------------------------------------------------

    def execute(
        self, operation: str, parameters: Sequence[Any] | dict | None = None, **_: Any
    ) -> FakeCursor:
        self._check_open()
        sql = operation
        if parameters:  # dbt-databricks uses use_inline_params="silent": rendered client-side
            sql = inject_parameters(operation, ParamEscaper().escape_args(parameters))
        warehouse = self.connection.warehouse
        warehouse.record(sql, self.connection)
        self._set_result(warehouse.responder.respond(sql, self.connection.session))
        if self._result and self._result.columns and self._result.columns[0][0].startswith("num_"):
            self.rowcount = 0
        return self

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> FakeCursor:
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
        return self

    def catalogs(self) -> FakeCursor:
        self._metadata_call("GetCatalogs()")
        names = sorted(self.connection.warehouse.catalog.catalogs)
        return self._set_result(QueryResult([("TABLE_CAT", "string")], [(n,) for n in names]))

    def schemas(
        self, catalog_name: str | None = None, schema_name: str | None = None
    ) -> FakeCursor:
        self._metadata_call(f"GetSchemas(catalog={catalog_name}, schema={schema_name})")
        cat = self.connection.warehouse.catalog
        rows = [
            (s, c)
            for c, s in sorted(cat.schemas)
            if _matches(catalog_name, c) and _matches(schema_name, s)
        ]
        return self._set_result(
            QueryResult([("TABLE_SCHEM", "string"), ("TABLE_CATALOG", "string")], rows)
        )

    def tables(
        self,
        catalog_name: str | None = None,
        schema_name: str | None = None,
        table_name: str | None = None,
        table_types: list[str] | None = None,
    ) -> FakeCursor:
        self._metadata_call(
            f"GetTables(catalog={catalog_name}, schema={schema_name}, table={table_name})"
        )
        cat = self.connection.warehouse.catalog
        rows = []
        with cat.lock:
            for (c, s, n), obj in sorted(cat.objects.items()):
                kind = "VIEW" if obj.kind != "table" else "TABLE"
                if not (_matches(catalog_name, c) and _matches(schema_name, s)):
                    continue
                if not _matches(table_name, n) or (table_types and kind not in table_types):
                    continue
                rows.append((c, s, n, kind, obj.comment))
        cols = ["TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS"]
        return self._set_result(QueryResult([(c, "string") for c in cols], rows))

    def columns(
        self,
        catalog_name: str | None = None,
        schema_name: str | None = None,
        table_name: str | None = None,
        column_name: str | None = None,
    ) -> FakeCursor:
        self._metadata_call(
            f"GetColumns(catalog={catalog_name}, schema={schema_name}, table={table_name})"
        )
        cat = self.connection.warehouse.catalog
        rows = []
        with cat.lock:
            for (c, s, n), obj in sorted(cat.objects.items()):
                if not all(
                    _matches(p, v)
                    for p, v in ((catalog_name, c), (schema_name, s), (table_name, n))
                ):
                    continue
                for pos, col in enumerate(obj.columns):
                    if _matches(column_name, col.name):
                        rows.append(
                            (c, s, n, col.name, col.data_type.upper(), pos + 1, col.comment)
                        )
        cols = [
            "TABLE_CAT",
            "TABLE_SCHEM",
            "TABLE_NAME",
            "COLUMN_NAME",
            "TYPE_NAME",
            "ORDINAL_POSITION",
            "REMARKS",
        ]
        return self._set_result(QueryResult([(c, "string") for c in cols], rows))

    def _metadata_call(self, description: str) -> None:
        self._check_open()
        self.connection.warehouse.record(description, self.connection, is_metadata_call=True)

    def _set_result(self, result: QueryResult) -> FakeCursor:
        self._result = result
        self._query_id = str(uuid.uuid4())
        row_type = Row(*[name for name, _ in result.columns]) if result.columns else None
        self._rows = [row_type(*r) if row_type else Row(*r) for r in result.rows]
        self._pos = 0
        return self

    # -- results ----------------------------------------------------------------------------

    @property
    def description(self) -> list[tuple] | None:
        if self._result is None:
            return None
        return [
            (name, type_code, None, None, None, None, True)
            for name, type_code in self._result.columns
        ]

    @property
    def query_id(self) -> str | None:
        return self._query_id

    def fetchall(self) -> list[Row]:
        self._check_result()
        rows, self._pos = self._rows[self._pos :], len(self._rows)
        return rows

    def fetchone(self) -> Row | None:
        self._check_result()
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchmany(self, size: int | None = None) -> list[Row]:
        self._check_result()
        size = self.arraysize if size is None else size
        rows = self._rows[self._pos : self._pos + size]
        self._pos += len(rows)
        return rows

    def fetchall_arrow(self) -> pa.Table:
        return self._arrow(self.fetchall())

    def fetchmany_arrow(self, size: int) -> pa.Table:
        return self._arrow(self.fetchmany(size))

    def _arrow(self, rows: list[Row]) -> pa.Table:
        names = [name for name, _ in self._result.columns] if self._result else []
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def __iter__(self) -> Iterator[Row]:
        while (row := self.fetchone()) is not None:
            yield row

    def cancel(self) -> None:
        """Statements complete synchronously; nothing is ever running."""

    def close(self) -> None:
        self.open = False
        self._result = None

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if not self.open:
            raise ProgrammingError("Attempting operation on closed cursor")

    def _check_result(self) -> None:
        self._check_open()
        if self._result is None:
            raise ProgrammingError("There is no active result set")


def _matches(pattern: str | None, value: str) -> bool:
    """Metadata-call name filters: SQL LIKE wildcards `%`/`_`, case-insensitive."""
    if pattern is None:
        return True
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE) is not None
