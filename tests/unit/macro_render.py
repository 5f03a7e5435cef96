"""Render the project's macros without dbt: a small harness for fast, per-engine unit tests.

In the manner of dbt-databricks' own macro unit tests (tests/unit/macros/base.py there): a plain
Jinja2 environment with the ``do`` and ``loopcontrols`` extensions, the macro files of the
project's ``macro-paths`` (read from dbt_project.yml), and a context of stubs standing in for
what dbt provides. Unlike those tests (which bind ``return`` to the identity), every macro is
compiled on its own, as dbt compiles it, and called through a generator that catches
``MacroReturn``: ``{{ return(x) }}`` hands ``x`` to the caller, even between macros of one file.

Emulated (``MacroHarness(engine, ...)``, engine ``duckdb`` or ``databricks``):

- ``adapter.dispatch(name, 'lakehouse_bi')``: ``<engine>__name``, then (Databricks) ``spark__name``,
  then ``default__name`` among the project's macros, else dbt's stubs below, as dbt's search
  order does; ``adapter.quote`` (DuckDB ``"x"``, Databricks backticks), ``adapter.type()``;
  ``adapter.commit / create_schema / drop_relation / rename_relation / cache_added`` are
  recorded in ``harness.adapter_calls``; ``adapter.get_relation`` answers from
  ``harness.relations``, ``adapter.get_columns_in_relation`` from ``harness.relation_columns``
  (identifier -> column names).
- ``var(name, default)``: dbt_project.yml ``vars`` (Jinja strings rendered with ``env_var``
  answering from ``env=``), overridden by ``vars=``; an unknown var without default raises, as
  dbt does. ``config.get / require`` from ``config=``; ``is_incremental()`` from
  ``incremental=``; ``execute``; ``target`` (name, type, database / catalog, schema);
  ``modules`` (re, datetime, itertools, pytz when installed); ``graph`` and ``model`` from the
  test.
- ``exceptions.raise_compiler_error`` raises ``CompilationError``; ``exceptions.warn`` and
  ``log`` append to ``harness.warnings`` / ``harness.logs``.
- ``ref`` / ``source`` / ``this`` / ``api.Relation.create``: ``Relation`` stubs rendering
  quoted, dot-joined names per engine; ``load_relation`` answers from ``harness.relations``.
- ``run_query(sql)`` and ``{% call statement(...) %}`` record the SQL in ``harness.queries``;
  ``run_query`` returns the rows of the first ``harness.on_query(pattern, rows)`` whose regex
  matches the SQL (else no rows), as an agate-like ``Table`` (``rows``, ``columns[i].values()``).
- dbt's cross-database macros the project calls (``dbt.<name>`` and plain ``<name>``), as small
  stubs that render what the engine's adapter renders (dbt-duckdb 1.11 / dbt-databricks 1.12
  with a current DBR; test_macro_render_utils.py compares them with the installed adapters'
  macros): ``dateadd`` (DuckDB ``(ts + cast(n as bigint) * interval 1 unit)``, Databricks
  ``timestampadd(unit, n, ts)``), ``datediff`` (not DuckDB's week), ``date_trunc``, ``safe_cast``,
  ``current_timestamp`` (``now()`` / ``current_timestamp()``), the ``type_*`` macros
  (``api.Column.translate_type``: DuckDB ``TEXT``, Databricks ``string``, ...), and
  ``dbt.default__apply_grants``, recorded in ``harness.grant_calls`` (it renders no SQL).

Not emulated: materializations, ``{% test %}`` / ``{% materialization %}`` blocks, installed
packages (dbt_utils, dbt_date, elementary), the real adapter (types, caches, SHOW GRANTS), dbt's
``dispatch:`` config (the project's macros simply come first for every namespace) and any SQL
execution: a test executes DuckDB SQL itself with the ``duckdb`` package, Databricks SQL on
Sail (the ``sail_spark`` fixture of tests/unit/conftest.py).
"""

from __future__ import annotations

import copy
import datetime
import functools
import itertools
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
QUOTES = {"duckdb": '"', "databricks": "`"}
_MACRO_BLOCK = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(.*?\{%-?\s*endmacro\s*-?%\}", re.DOTALL)


class CompilationError(Exception):
    """What ``exceptions.raise_compiler_error`` raises (dbt: a compilation error)."""


class MacroReturn(Exception):  # noqa: N818 -- dbt's name
    """Raised by ``return(value)``; the macro generator turns it into the macro's result."""

    def __init__(self, value: Any):
        super().__init__("return")
        self.value = value


def normalize_sql(sql: Any) -> str:
    """Whitespace runs collapsed to one space, stripped (as dbt-databricks' tests compare)."""
    return re.sub(r"\s+", " ", str(sql)).strip()


class Relation:
    """A relation stub: ``str()`` / ``render()`` give the quoted, dot-joined name."""

    def __init__(self, engine, database=None, schema=None, identifier=None, type="table"):
        self.engine, self.database, self.schema = engine, database, schema
        self.identifier, self.type = identifier, type

    def render(self) -> str:
        q = QUOTES[self.engine]
        parts = [p for p in (self.database, self.schema, self.identifier) if p]
        return ".".join(f"{q}{p}{q}" for p in parts)

    def incorporate(self, **changes) -> Relation:
        fields = {**vars(self), **changes}
        return Relation(
            fields["engine"],
            fields["database"],
            fields["schema"],
            fields["identifier"],
            fields["type"],
        )

    def __str__(self) -> str:
        return self.render()

    __repr__ = __str__


class Column:
    """An agate-like column: ``values()`` is the column's values, in row order."""

    def __init__(self, name: str, values: tuple):
        self.name, self._values = name, values

    def values(self) -> tuple:
        return self._values


class Table:
    """An agate-like result of ``run_query``: ``rows``, ``columns``, ``column_names``. Without
    rows or names it has one empty column, so ``columns[0].values()`` reads as no values."""

    def __init__(self, rows=(), column_names=None):
        self.rows = [tuple(row) for row in rows]
        width = max((len(row) for row in self.rows), default=len(column_names or ()) or 1)
        self.column_names = list(column_names or [f"column_{i}" for i in range(width)])
        self.columns = [
            Column(name, tuple(row[i] for row in self.rows))
            for i, name in enumerate(self.column_names)
        ]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class _Namespace:
    """``lakehouse.<macro>``: attribute access over a live dict (overrides show through)."""

    def __init__(self, macros: dict):
        self._macros = macros

    def __getattr__(self, name: str):
        try:
            return self._macros[name]
        except KeyError:
            raise AttributeError(f"no macro {PACKAGE}.{name}") from None


class MacroGenerator:
    """Calls one macro as dbt's MacroGenerator does: a fresh module over the harness context,
    ``MacroReturn`` caught and its value returned, otherwise the rendered text."""

    def __init__(self, harness: MacroHarness, name: str, template: jinja2.Template):
        self.harness, self.name, self.template = harness, name, template

    def __call__(self, *args, **kwargs):
        module = self.template.make_module(vars=self.harness.context)
        try:
            return getattr(module, self.name)(*args, **kwargs)
        except MacroReturn as returned:
            return returned.value


def _dbt_stubs(engine: str, harness: MacroHarness) -> dict:
    """dbt's cross-database macros, rendered as the engine's adapter renders them."""
    types = {  # api.Column.translate_type: base Column labels (DuckDB), lower-cased (Databricks)
        "duckdb": {"string": "TEXT"},
        "databricks": {"string": "string", "long": "bigint"},
    }[engine]

    def type_of(label):
        return lambda: types.get(label, label)

    def dateadd(datepart, interval, from_date_or_timestamp):
        if engine == "databricks":
            return f"timestampadd({datepart}, {interval}, {from_date_or_timestamp})"
        unit, factor = {"quarter": ("month", 3), "week": ("day", 7)}.get(
            datepart.lower(), (datepart.lower(), 1)
        )
        scaled = (
            f"(cast({interval} as bigint) * {factor})"
            if factor != 1
            else (f"cast({interval} as bigint)")
        )
        return f"({from_date_or_timestamp} + {scaled} * interval 1 {unit})"

    def date_trunc(datepart, date):
        return f"date_trunc('{datepart}', {date})"

    def datediff(first_date, second_date, datepart):
        if engine == "databricks":
            return (
                f"timestampdiff({datepart}, {date_trunc(datepart, first_date)}, "
                f"{date_trunc(datepart, second_date)})"
            )
        return f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp ))"

    def default__apply_grants(relation, grant_config, should_revoke=True):
        harness.grant_calls.append((relation, grant_config, should_revoke))
        return ""

    return {
        "dateadd": dateadd,
        "datediff": datediff,
        "date_trunc": date_trunc,
        "safe_cast": lambda field, type: f"cast({field} as {type})",
        "current_timestamp": lambda: "now()" if engine == "duckdb" else "current_timestamp()",
        "type_string": type_of("string"),
        "type_timestamp": type_of("timestamp"),
        "type_int": type_of("integer"),
        "type_bigint": type_of("bigint"),
        "type_boolean": type_of("boolean"),
        "default__apply_grants": default__apply_grants,
    }


@functools.cache
def _project_yaml() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())


def _project() -> dict:
    """dbt_project.yml, parsed once a process; a copy, so no test's macros change another's."""
    return copy.deepcopy(_project_yaml())


PACKAGE = "lakehouse"  # the platform package: packages/lakehouse (packages.yml, `local:`)
PACKAGE_DIR = PROJECT_DIR / "packages" / PACKAGE


def macro_files(project_dir: Path = PROJECT_DIR) -> list[Path]:
    """Every macro file under the project's ``macro-paths`` (dbt_project.yml)."""
    paths = _project().get("macro-paths", ["macros"])
    return sorted(f for p in paths for f in (project_dir / p).rglob("*.sql"))


def package_macro_files(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Every macro file of the platform package (its own dbt_project.yml's ``macro-paths``)."""
    project = yaml.safe_load((package_dir / "dbt_project.yml").read_text())
    return sorted(
        f for p in project.get("macro-paths", ["macros"]) for f in (package_dir / p).rglob("*.sql")
    )


_JINJA = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])


def _compile(files: list[Path]) -> dict[str, jinja2.Template]:
    macros: dict[str, jinja2.Template] = {}
    for path in files:
        for block in _MACRO_BLOCK.finditer(path.read_text()):
            if block.group(1) in macros:
                raise CompilationError(f"macro {block.group(1)} defined twice ({path})")
            macros[block.group(1)] = _JINJA.from_string(block.group(0))
    return macros


@functools.cache
def compiled_macros() -> dict[str, jinja2.Template]:
    """Each ``{% macro %}`` block of every macro file of the project, compiled on its own (as
    dbt does: a macro reaches its siblings through the context, never through its file); once
    a process."""
    return _compile(macro_files())


@functools.cache
def compiled_package_macros() -> dict[str, jinja2.Template]:
    """The platform package's macros, compiled one by one like compiled_macros()."""
    return _compile(package_macro_files())


class MacroHarness:
    """The project's macros over an emulated dbt context for one engine (module docstring)."""

    def __init__(
        self,
        engine: str = "duckdb",
        *,
        vars: dict | None = None,
        config: dict | None = None,
        incremental: bool = False,
        target_name: str | None = None,
        env: dict | None = None,
        graph: dict | None = None,
        model: dict | None = None,
    ):
        if engine not in QUOTES:
            raise ValueError(f"engine must be one of {sorted(QUOTES)}, got {engine!r}")
        self.engine = engine
        self.queries: list[str] = []
        self.statements: dict[str, str] = {}
        self.logs: list[str] = []
        self.warnings: list[str] = []
        self.adapter_calls: list[tuple] = []
        self.grant_calls: list[tuple] = []
        self.relations: dict[str, Relation] = {}
        self.relation_columns: dict[str, list[str]] = {}
        self._canned: list[tuple[re.Pattern, Table]] = []
        self._env = dict(env or {})
        self.vars = {**self._project_vars(), **(vars or {})}
        self.config = dict(config or {})
        self.incremental = incremental
        name = target_name or ("local" if engine == "duckdb" else "dev")
        database = "lakehouse_bi" if engine == "duckdb" else "lakehouse_bi_dev"
        self.target = SimpleNamespace(
            name=name,
            type=engine,
            database=database,
            catalog=database,
            schema="main",
        )
        self.context: dict[str, Any] = self._base_context(graph, model)
        # As dbt resolves them in a root-project context: the project's macros by their name,
        # the package's only as `lakehouse.<name>` (a package macro calls its siblings so) and
        # through adapter.dispatch(name, 'lakehouse'), which searches the project first.
        self.macros = {
            name: MacroGenerator(self, name, template)
            for name, template in compiled_macros().items()
        }
        self.package_macros = {
            name: MacroGenerator(self, name, template)
            for name, template in compiled_package_macros().items()
        }
        self.context.update(self.macros)
        self.context[PACKAGE] = _Namespace(self.package_macros)

    # -- what a test calls -------------------------------------------------------------------
    def call(self, name: str, *args, **kwargs) -> Any:
        """Call a macro of the project, else of the platform package: its returned value, else
        its rendered text."""
        if name in self.context:
            return self.context[name](*args, **kwargs)
        return self.package_macros[name](*args, **kwargs)

    def sql(self, name: str, *args, **kwargs) -> str:
        """Call a macro and return its text with whitespace collapsed (``normalize_sql``)."""
        return normalize_sql(self.call(name, *args, **kwargs))

    def on_query(self, pattern: str, rows, column_names=None) -> None:
        """``run_query`` of SQL matching ``pattern`` (a regex) returns these rows."""
        self._canned.append((re.compile(pattern, re.IGNORECASE), Table(rows, column_names)))

    def override(self, name: str, func) -> None:
        """Replace a macro (or any context name) by a Python callable for this harness: a
        package macro everywhere it is reached (`lakehouse.<name>`, dispatch, call())."""
        if name in self.package_macros:
            self.package_macros[name] = func
        else:
            self.context[name] = func

    def relation(self, identifier, schema="main", database=None) -> Relation:
        return Relation(self.engine, database or self.target.database, schema, identifier)

    # -- the emulated dbt context ------------------------------------------------------------
    def _project_vars(self) -> dict:
        env = jinja2.Environment()
        env.globals["env_var"] = lambda key, default=None: self._env.get(key, default)

        def render(value):
            if isinstance(value, str) and "{{" in value:
                return env.from_string(value).render()
            return value

        return {key: render(value) for key, value in (_project().get("vars") or {}).items()}

    def _var(self, name, default=jinja2.Undefined):
        if name in self.vars:
            return self.vars[name]
        if default is jinja2.Undefined:
            raise CompilationError(f"Required var '{name}' not found in config")
        return default

    def _dispatch(self, macro_name, macro_namespace=None, packages=None):
        prefixes = [self.engine] + (["spark"] if self.engine == "databricks" else []) + ["default"]
        # dbt's order for a package namespace: the root project, then the package.
        scopes = (self.macros, self.package_macros, self.dbt_stubs)
        for prefix in prefixes:
            for scope in scopes:
                if f"{prefix}__{macro_name}" in scope:
                    return scope[f"{prefix}__{macro_name}"]
        if macro_namespace in (None, "dbt") and macro_name in self.dbt_stubs:
            return self.dbt_stubs[macro_name]
        raise CompilationError(
            f"No macro named '{macro_name}' found within namespace: '{macro_namespace}' "
            f"(searched {', '.join(p + '__' + macro_name for p in prefixes)})"
        )

    def _run_query(self, sql) -> Table:
        sql = str(sql)
        self.queries.append(sql)
        return next((table for pattern, table in self._canned if pattern.search(sql)), Table())

    def _statement(
        self, name=None, fetch_result=False, auto_begin=True, language="sql", caller=None
    ):
        sql = caller() if caller else ""
        self.queries.append(str(sql))
        self.statements[name] = str(sql)
        return ""

    def _log(self, msg, info=False):
        self.logs.append(str(msg))
        return ""

    def _warn(self, msg, node=None):
        self.warnings.append(str(msg))
        return ""

    def _raise(self, msg, node=None):
        raise CompilationError(str(msg))

    def _record(self, action):
        def recorder(*args, **kwargs):
            self.adapter_calls.append((action, *args))
            return ""

        return recorder

    def _base_context(self, graph, model) -> dict:
        def make_relation(database=None, schema=None, identifier=None, type="table", **_):
            return Relation(self.engine, database, schema, identifier, type)

        def get_relation(database=None, schema=None, identifier=None):
            return self.relations.get(identifier)

        def raise_return(value=""):
            raise MacroReturn(value)

        self.dbt_stubs = _dbt_stubs(self.engine, self)
        modules = SimpleNamespace(re=re, datetime=datetime, itertools=itertools)
        try:
            import pytz

            modules.pytz = pytz
        except ImportError:  # pragma: no cover - dbt-core installs pytz
            pass
        model_node = {
            "name": "model_under_test",
            "resource_type": "model",
            "config": {},
            "original_file_path": "models/model_under_test.sql",
            **(model or {}),
        }
        return {
            **self.dbt_stubs,
            "dbt": SimpleNamespace(**self.dbt_stubs),
            "return": raise_return,
            "var": self._var,
            "env_var": lambda key, default=None: self._env.get(key, default),
            "config": SimpleNamespace(
                get=lambda key, default=None, **_: self.config.get(key, default),
                require=lambda key: self.config[key],
            ),
            "is_incremental": lambda: self.incremental,
            "execute": True,
            "target": self.target,
            "project_name": "lakehouse_bi",
            "modules": modules,
            "exceptions": SimpleNamespace(
                raise_compiler_error=self._raise,
                warn=self._warn,
                raise_not_implemented=self._raise,
            ),
            "log": self._log,
            "run_query": self._run_query,
            "statement": self._statement,
            "adapter": SimpleNamespace(
                dispatch=self._dispatch,
                quote=lambda name: f"{QUOTES[self.engine]}{name}{QUOTES[self.engine]}",
                type=lambda: self.engine,
                get_relation=get_relation,
                commit=self._record("commit"),
                create_schema=self._record("create_schema"),
                drop_relation=self._record("drop_relation"),
                rename_relation=self._record("rename_relation"),
                cache_added=self._record("cache_added"),
                get_columns_in_relation=lambda relation: [
                    SimpleNamespace(name=name, column=name)
                    for name in self.relation_columns.get(relation.identifier, [])
                ],
            ),
            "api": SimpleNamespace(Relation=SimpleNamespace(create=make_relation)),
            "load_relation": lambda relation: self.relations.get(relation.identifier),
            "ref": lambda name, *_: self.relation(name),
            "source": lambda source_name, table: self.relation(table, schema=source_name),
            "this": self.relation("model_under_test"),
            "model": model_node,
            "graph": graph or {"nodes": {}, "sources": {}},
            "selected_resources": [],
        }
