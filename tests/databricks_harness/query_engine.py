"""Answers SELECTs the way Databricks would over *empty* tables of the fake catalog.

sqlglot qualifies the query against the catalog (expanding `*`, inferring Databricks types),
which gives CTAS column lists and a faithful `cursor.description`. The rows are produced by
running the query, transpiled to DuckDB, over empty copies of the referenced tables plus
populated `information_schema` views -- so `count(*)` over a test query yields one row with 0,
and introspection queries of any shape get consistent answers; a dbt unit test, whose inputs
are inline fixtures, really runs. Queries DuckDB cannot run fall back to zero rows (one row for
an ungrouped aggregate / FROM-less select; a unit test's expected rows as its actual rows) and
are listed in `diagnostics`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from .catalog import Catalog, Session
from .information_schema import VIEWS, view_rows
from .sql_text import parse_column_list

ReadFilesColumns = Callable[[str], "list[tuple[str, str]] | None"]
_READ_FILES_SCHEMA = "__read_files__"
DBR_VERSION = "17.3.x-scala2.13"  # what the fake's warehouse reports as its runtime
_ERRORS = (SqlglotError, ValueError, KeyError, TypeError, AttributeError, RecursionError)
# The `_metadata` column of a `read_files` source: Databricks' file metadata fields.
_FILE_METADATA = (
    "struct<file_path:string,file_name:string,file_size:bigint,file_block_start:bigint,"
    "file_block_length:bigint,file_modification_time:timestamp>"
)
# Databricks functions sqlglot leaves as they are, which DuckDB lacks: name -> DuckDB stand-in
# with the same result type. Only for running a query over the fake's (empty) tables, so the
# stand-in's values never reach an answer; sqlglot translates the rest (regexp_like,
# timestampadd, try_cast, ...).
_DUCKDB_STAND_INS = {
    "monotonically_increasing_id": "cast(row_number() over () - 1 as bigint)",
}


@dataclass
class QueryResult:
    columns: list[tuple[str, str]]  # (name, Databricks type name)
    rows: list[tuple]


class _UnsupportedQueryError(Exception):
    """The query references something the engine cannot reproduce in DuckDB."""


@lru_cache(maxsize=4096)
def _parse(sql: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(sql, read="databricks")
    except (SqlglotError, ValueError, RecursionError):
        return None


def _type_name(dtype: exp.DataType | None) -> str:
    if dtype is None or dtype.this in (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return "string"
    name = dtype.sql(dialect="databricks").lower().replace(", ", ",")
    return {"varchar": "string", "text": "string", "char": "string"}.get(name, name)


def _duck_type(databricks_type: str) -> str:
    try:
        return exp.DataType.build(databricks_type, dialect="databricks").sql("duckdb")
    except _ERRORS:
        return "VARCHAR"


# Databricks' date_part(field, expr) returns INT, DECIMAL(8,6) for the seconds field
# (docs.databricks.com/sql/language-manual/functions/date_part.html); sqlglot parses it as an
# anonymous function of unknown type, which would answer `string` for dbt's contract check.
_DATE_PART_SECONDS = {"second", "seconds", "s", "sec", "secs"}


def _type_date_parts(tree: exp.Expression) -> None:
    """Wrap every date_part(<literal field>, ...) in a cast to its Databricks result type, so
    type annotation sees it (the recorded statements are the SQL as sent, not this tree)."""
    for node in list(tree.find_all(exp.Anonymous)):
        if node.name.lower() != "date_part" or not node.expressions:
            continue
        field = node.expressions[0]
        if not (isinstance(field, exp.Literal) and field.is_string):
            continue
        result = "decimal(8,6)" if field.this.lower() in _DATE_PART_SECONDS else "int"
        node.replace(exp.cast(node.copy(), exp.DataType.build(result, dialect="databricks")))


def _is_star(select: exp.Expression) -> bool:
    return isinstance(select, exp.Star) or (
        isinstance(select, exp.Column) and isinstance(select.this, exp.Star)
    )


def _output_name(select: exp.Expression) -> str:
    """Databricks names an unaliased expression after its text, e.g. `current_catalog()`."""
    if isinstance(select, (exp.Alias, exp.Column)) or select.alias:
        return select.alias_or_name
    return select.sql(dialect="databricks").lower()


class QueryEngine:
    def __init__(self, catalog: Catalog, read_files_columns: ReadFilesColumns | None = None):
        self.catalog = catalog
        self.read_files_columns = read_files_columns
        self._duck_lock = threading.Lock()
        self._duck = duckdb.connect()  # one in-memory DuckDB, tables rebuilt only on change
        self._duck_built: dict[str, object] = {}  # DuckDB table -> signature it was built with
        # (stage, error, sql) for queries answered approximately; inspected by tests/humans.
        self.diagnostics: list[tuple[str, str, str]] = []

    # -- public -----------------------------------------------------------------------------

    def output_columns(self, sql: str, session: Session) -> list[tuple[str, str]] | None:
        prepared = self._prepare(sql, session)
        if prepared is None:
            return None
        return self._columns(prepared[0], sql)

    def run_select(self, sql: str, session: Session) -> QueryResult | None:
        """None if `sql` is not a query sqlglot understands."""
        prepared = self._prepare(sql, session)
        if prepared is None:
            return None
        tree, read_files = prepared
        columns = self._columns(tree, sql)
        try:
            names, rows = self._run_in_duckdb(tree, session, read_files)
        except (_UnsupportedQueryError, duckdb.Error, *_ERRORS) as error:
            self.diagnostics.append(("duckdb", f"{type(error).__name__}: {error}", sql))
            rows = self._unit_test_as_passing(tree, session)
            if rows is None:
                rows = self._fallback_rows(tree, len(columns))
            return QueryResult(columns, rows)
        if len(names) != len(columns):  # a `*` sqlglot could not expand; trust DuckDB's names
            columns = [(n, "string") for n in names]
        return QueryResult(columns, rows)

    # -- preparation ------------------------------------------------------------------------

    def _mapping(self, tree: exp.Expression, session: Session) -> dict:
        """{catalog: {schema: {table: {column: type}}}} of just the relations `tree` names:
        sqlglot normalises the whole mapping on every call, so a full one costs seconds."""
        mapping: dict = {}
        info_views = {view: {c: t.lower() for c, t in cols} for view, cols in VIEWS.items()}
        with self.catalog.lock:
            for table in tree.find_all(exp.Table):
                if not isinstance(table.this, exp.Identifier):
                    continue
                name = table.name.lower()
                cat = (table.catalog or session.catalog).lower()
                db = (table.db or session.schema).lower()
                columns: dict[str, str] | None = None
                if db == "information_schema" and name in info_views:
                    columns = info_views[name]
                elif (obj := self.catalog.objects.get((cat, db, name))) is not None:
                    columns = {c.name: c.data_type for c in obj.columns}
                elif not table.db and name in session.temp_views:
                    columns = {c.name: c.data_type for c in session.temp_views[name].columns}
                if columns:  # sqlglot infers the nesting depth from leaves: no empty tables
                    mapping.setdefault(cat, {}).setdefault(db, {})[name] = columns
        return mapping

    def _prepare(
        self, sql: str, session: Session
    ) -> tuple[exp.Expression, dict[str, list[tuple[str, str]]]] | None:
        parsed = _parse(sql)
        if parsed is None or not isinstance(parsed, exp.Query):
            return None
        tree = parsed.copy()
        self._substitute_session_functions(tree, session)
        _type_date_parts(tree)
        mapping = self._mapping(tree, session)
        read_files = self._register_read_files(tree, mapping, session.catalog)
        try:
            tree = qualify(
                tree,
                schema=mapping,
                dialect="databricks",
                catalog=session.catalog,
                db=session.schema,
                validate_qualify_columns=False,
                quote_identifiers=False,
                identify=False,
            )
            tree = annotate_types(tree, schema=mapping, dialect="databricks")
        except _ERRORS as error:
            self.diagnostics.append(("qualify", f"{type(error).__name__}: {error}", sql))
            tree = parsed.copy()
        return tree, read_files

    def _substitute_session_functions(self, tree: exp.Expression, session: Session) -> None:
        """current_catalog(), current_user(), version() ... become the fake session's values."""
        values = {
            exp.CurrentCatalog: session.catalog,
            exp.CurrentSchema: session.schema,
            exp.CurrentDatabase: session.schema,
            exp.CurrentUser: self.catalog.owner,
            exp.CurrentVersion: DBR_VERSION,
        }
        nodes = [*tree.find_all(*values), *tree.find_all(exp.Anonymous)]
        for node in nodes:
            if isinstance(node, exp.Anonymous):
                if str(node.this).lower() not in ("version", "session_user") or node.expressions:
                    continue
                value = DBR_VERSION if str(node.this).lower() == "version" else self.catalog.owner
            else:
                value = values[type(node)]
            literal = exp.Literal.string(value)
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                literal = exp.alias_(literal, _output_name(node), quoted=True)
            node.replace(literal)

    def _register_read_files(
        self, tree: exp.Expression, mapping: dict, catalog: str
    ) -> dict[str, list[tuple[str, str]]]:
        """Swap `read_files(path, ..., schema => '...')` for a synthetic table whose columns
        come from the schema hint or the harness callback (plus `rescuedDataColumn` and
        `_metadata`, as Databricks adds them); others stay opaque."""
        registered: dict[str, list[tuple[str, str]]] = {}
        for i, table in enumerate(list(tree.find_all(exp.Table))):
            fn = table.this
            if not (isinstance(fn, exp.Anonymous) and str(fn.this).lower() == "read_files"):
                continue
            args = fn.expressions
            path = args[0].name if args and isinstance(args[0], exp.Literal) else ""
            options = {
                a.this.name.lower(): a.expression.name for a in args if isinstance(a, exp.Kwarg)
            }
            hint = options.get("schema")
            cols = parse_column_list(hint) if hint else None
            if cols is None and self.read_files_columns is not None:
                cols = self.read_files_columns(path)
            if cols is None:
                continue
            if rescued := options.get("rescueddatacolumn"):  # read_files adds it to the schema
                cols = [*cols, (rescued, "string")]
            name = f"read_files_{i}"
            registered[name] = [*cols, ("_metadata", _FILE_METADATA)]
            mapping.setdefault(catalog, {}).setdefault(_READ_FILES_SCHEMA, {})[name] = dict(
                registered[name]
            )
            table.replace(
                exp.Table(
                    this=exp.to_identifier(name),
                    db=exp.to_identifier(_READ_FILES_SCHEMA),
                    catalog=exp.to_identifier(catalog),
                    alias=table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name)),
                )
            )
        return registered

    @staticmethod
    def _columns(tree: exp.Expression, sql: str) -> list[tuple[str, str]]:
        """(name, type) of the output columns. Types come from the qualified `tree`; names from
        the query as written when it has no `*`, since qualify aliases `count(*)` as `_col_1`."""
        columns = [
            (_output_name(select), _type_name(select.type))
            for select in tree.selects
            if not _is_star(select)  # a star over an unknown source
        ]
        original = _parse(sql)
        written = original.selects if isinstance(original, exp.Query) else []
        if len(written) == len(columns) and not any(_is_star(s) for s in written):
            columns = [(_output_name(s), t) for s, (_, t) in zip(written, columns, strict=True)]
        return columns

    # -- evaluation -------------------------------------------------------------------------

    def _run_in_duckdb(
        self,
        tree: exp.Expression,
        session: Session,
        read_files: dict[str, list[tuple[str, str]]],
    ) -> tuple[list[str], list[tuple]]:
        tree = tree.copy()
        cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        with self._duck_lock:
            for table in list(tree.find_all(exp.Table)):
                if not isinstance(table.this, exp.Identifier):
                    raise _UnsupportedQueryError(f"table function {table.this.sql()}")
                cat, db, name = (table.catalog.lower(), table.db.lower(), table.name.lower())
                if not db and name in cte_names:
                    continue
                duck_name = self._ensure_duck_table(cat, db, name, session, read_files)
                alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name))
                table.replace(
                    exp.Table(this=exp.to_identifier(duck_name, quoted=True), alias=alias)
                )
            for fn in list(tree.find_all(exp.Anonymous)):
                stand_in = _DUCKDB_STAND_INS.get(str(fn.this).lower())
                if stand_in is not None and not fn.expressions:
                    fn.replace(sqlglot.parse_one(stand_in, read="duckdb"))
            cursor = self._duck.execute(tree.sql(dialect="duckdb"))
            names = [d[0] for d in cursor.description or []]
            return names, [tuple(r) for r in cursor.fetchall()]

    def _ensure_duck_table(
        self,
        cat: str,
        db: str,
        name: str,
        session: Session,
        read_files: dict[str, list[tuple[str, str]]],
    ) -> str:
        """Create (or refresh) the DuckDB table standing in for one relation; return its name."""
        if db == "information_schema" and name in VIEWS:
            duck_name, signature = f"is__{cat}__{name}", ("rows", self.catalog.version)
            if self._duck_built.get(duck_name) != signature:
                rows = view_rows(self.catalog, name, None if cat == "system" else cat)
                self._load_rows(duck_name, VIEWS[name], rows)
                self._duck_built[duck_name] = signature
            return duck_name
        if db == _READ_FILES_SCHEMA and name in read_files:
            cols = read_files[name]
            duck_name = f"rf__{name}"
        else:
            obj = self.catalog.objects.get((cat, db, name))
            if obj is None and (cat, db) == (session.catalog, session.schema):
                obj = session.temp_views.get(name)
            if obj is None or not obj.columns:
                raise _UnsupportedQueryError(f"unknown relation {cat}.{db}.{name}")
            cols = [(c.name, c.data_type) for c in obj.columns]
            duck_name = f"t__{cat}__{db}__{name}"
        signature = ("empty", tuple(cols))
        if self._duck_built.get(duck_name) != signature:
            col_sql = ", ".join(f'"{c}" {_duck_type(t)}' for c, t in cols)
            self._duck.execute(f'CREATE OR REPLACE TABLE "{duck_name}" ({col_sql})')
            self._duck_built[duck_name] = signature
        return duck_name

    def _load_rows(self, duck_name: str, cols: list[tuple[str, str]], rows: list[tuple]) -> None:
        arrow_types = {
            "VARCHAR": pa.string(),
            "INTEGER": pa.int32(),
            "TIMESTAMP": pa.timestamp("us"),
        }
        arrow = pa.table(
            {
                c: pa.array([r[i] for r in rows], type=arrow_types[t])
                for i, (c, t) in enumerate(cols)
            }
        )
        self._duck.register("__rows", arrow)
        try:
            self._duck.execute(f'CREATE OR REPLACE TABLE "{duck_name}" AS SELECT * FROM __rows')
        finally:
            self._duck.unregister("__rows")

    def _unit_test_as_passing(self, tree: exp.Expression, session: Session) -> list[tuple] | None:
        """A dbt unit test DuckDB cannot run: answer `actual` = `expected` (its expected rows
        are literals), as data tests pass for want of data. None if `tree` is no unit test."""
        expected = next(
            (
                cte.this
                for cte in tree.find_all(exp.CTE)
                if cte.alias_or_name.lower() == "dbt_internal_unit_test_expected"
            ),
            None,
        )
        if expected is None:
            return None
        try:
            _, rows = self._run_in_duckdb(expected, session, {})
        except (_UnsupportedQueryError, duckdb.Error, *_ERRORS):
            return None
        self.diagnostics.append(("unit test", "answered as passing", tree.sql("databricks")))
        return rows + [(*row[:-1], "actual") for row in rows]

    @staticmethod
    def _fallback_rows(tree: exp.Expression, width: int) -> list[tuple]:
        """Row count Databricks would return over empty inputs, values approximated."""
        if not isinstance(tree, exp.Select):
            return []
        ungrouped_aggregate = not tree.args.get("group") and all(
            s.find(exp.AggFunc) for s in tree.selects
        )
        if tree.args.get("from_") is None and tree.args.get("from") is None:
            return [(None,) * width]
        if ungrouped_aggregate and tree.selects:
            return [tuple(0 if isinstance(s.unalias(), exp.Count) else None for s in tree.selects)]
        return []
