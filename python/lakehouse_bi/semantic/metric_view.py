"""Metric views: the YAML spec the project uses, and MEASURE() queries evaluated on DuckDB.

A metric view model (`materialized='metric_view'`, models/gold/sales_metrics.sql) holds a
Unity Catalog metric view's YAML. On Databricks, dbt-databricks creates it with
`CREATE VIEW ... WITH METRICS LANGUAGE YAML AS $$ ... $$` and Databricks evaluates
`MEASURE(<measure>)` itself. On DuckDB the platform package's `metric_view` materialization
(packages/lakehouse/macros/semantic/) creates a plain view of the metric view's *data model*
-- the source rows that pass `filter`, the joins attached, one column per dimension, then the
source's other columns -- and keeps the rendered YAML as the view's comment. This module reads
that comment and evaluates measures over the view with the definition's own expressions:

- `measure_expression`: a measure as one aggregate SQL expression (MEASURE() references to
  other measures inlined), for measures without a window;
- `rewrite_measures`: a query's `MEASURE(x)` calls replaced by those expressions -- how the
  dashboards' datasets, written once as Databricks SQL against the metric view, run locally;
- `query_sql`: measures grouped by dimensions, window measures included (what the tests use).

Spec sources (the fields modelled here, nothing else): Databricks docs "Metric view YAML
syntax reference" (docs.databricks.com/aws/en/metric-views/data-modeling/syntax: version,
comment, source, filter, joins with name/source/on|using, dimensions and measures with
name/expr/comment/display_name/synonyms/format), "Joins in metric views" (LEFT OUTER JOIN,
many-to-one, `source.` names the fact in `on`), "Composability in metric views" (MEASURE() of
another measure inside a measure's expr), "Window measures" (Experimental: window entries
with order, range current|cumulative|all|trailing <n> <unit>|leading <n> <unit>,
semiadditive first|last; trailing excludes the current unit) and "Metric view feature
availability" (spec versions 0.1 and 1.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lakehouse_bi.errors import ConfigError

# The first line of a local metric view's comment, written by packages/lakehouse/macros/semantic/
# materialization_metric_view.sql (metric_view_comment_marker); a YAML comment, so the rest
# of the text is the definition as rendered for DuckDB.
COMMENT_MARKER = "# lakehouse_bi metric view: the data model of the metric view defined below"
SPEC_VERSIONS = ("0.1", "1.1")
WINDOW_UNITS = ("day", "week", "month", "quarter", "year")

_RANGE = re.compile(
    rf"^(?:current|cumulative|all|(?P<direction>trailing|leading)\s+(?P<count>[1-9][0-9]*)\s+"
    rf"(?P<unit>{'|'.join(WINDOW_UNITS)})s?)$",
    re.IGNORECASE,
)
# A string literal (kept as is), or MEASURE(name) with the name bare, `backticked` or "quoted".
_MEASURE_CALL = re.compile(
    r"'(?:[^'\\]|\\.|'')*'"
    r"|\bmeasure\s*\(\s*(?:`(?P<backticked>(?:[^`]|``)+)`|\"(?P<quoted>(?:[^\"]|\"\")+)\""
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))\s*\)",
    re.IGNORECASE,
)


class _Spec(BaseModel):
    """Unknown keys are errors: a misspelt key would otherwise be ignored on one engine."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Window(_Spec):
    """One entry of a measure's `window` (docs "Window measures", Experimental)."""

    order: str = Field(min_length=1)
    range: str
    semiadditive: Literal["first", "last"]

    @field_validator("range")
    @classmethod
    def _known_range(cls, value: str) -> str:
        if not _RANGE.match(value.strip()):
            raise ValueError(
                "expected current, cumulative, all, trailing <n> <unit> or leading <n> <unit> "
                f"(unit: {', '.join(WINDOW_UNITS)})"
            )
        return value.strip()


class _Field(_Spec):
    name: str = Field(min_length=1)
    expr: str = Field(min_length=1)
    comment: str | None = None
    display_name: str | None = None
    synonyms: list[str] | None = None
    format: dict[str, Any] | None = None


class Dimension(_Field):
    """A dimension (docs: "fields, also called dimensions"): a name and a SQL expression."""


class Measure(_Field):
    """A measure: an aggregate expression, possibly of other measures through MEASURE(), or a
    window measure."""

    window: list[Window] | None = None

    def references(self) -> list[str]:
        """The measures its expr reads with MEASURE(), in order of appearance."""
        return [name for name in _measure_names(self.expr) if name is not None]


class Join(_Spec):
    """A star-schema join of the source to a dimension table (LEFT OUTER, many-to-one)."""

    name: str = Field(min_length=1)
    source: str = Field(min_length=1)
    on: str | None = None
    using: list[str] | None = None
    joins: list[Join] | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> Join:
        if (self.on is None) == (self.using is None):
            raise ValueError("needs exactly one of `on` and `using`")
        return self


class MetricView(_Spec):
    """A metric view's YAML definition (the fields the project uses; see module docstring)."""

    version: str
    comment: str | None = None
    source: str = Field(min_length=1)
    filter: str | None = None
    joins: list[Join] = []
    dimensions: list[Dimension] = []
    measures: list[Measure] = []

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> str:
        # YAML reads `version: 1.1` as a number.
        text = str(value)
        if text not in SPEC_VERSIONS:
            raise ValueError(f"expected one of {', '.join(SPEC_VERSIONS)}, got {text!r}")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> MetricView:
        if not self.dimensions and not self.measures:
            raise ValueError("needs dimensions or measures")
        names = [d.name for d in self.dimensions] + [m.name for m in self.measures]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"names used twice: {', '.join(duplicates)}")
        measures = {m.name for m in self.measures}
        dimensions = {d.name for d in self.dimensions}
        for measure in self.measures:
            unknown = [n for n in measure.references() if n not in measures]
            if unknown:
                raise ValueError(f"measure {measure.name}: MEASURE() of unknown {unknown}")
            for window in measure.window or []:
                if window.order not in dimensions:
                    raise ValueError(
                        f"measure {measure.name}: window order {window.order!r} is not a dimension"
                    )
        return self

    def measure(self, name: str) -> Measure:
        """The measure `name`; ConfigError listing the known ones."""
        found = next((m for m in self.measures if m.name == name), None)
        if found is None:
            known = ", ".join(m.name for m in self.measures)
            raise ConfigError(f"The metric view has no measure {name!r}.", f"Use one of: {known}.")
        return found


def _measure_names(sql: str) -> list[str | None]:
    """The MEASURE() arguments of `sql` (None for each string literal met)."""
    names: list[str | None] = []
    for match in _MEASURE_CALL.finditer(sql):
        if match.group("backticked"):
            names.append(match.group("backticked").replace("``", "`"))
        elif match.group("quoted"):
            names.append(match.group("quoted").replace('""', '"'))
        else:
            names.append(match.group("bare"))
    return names


def parse_definition(yaml_text: str, where: str) -> MetricView:
    """A metric view YAML text as a MetricView. Raises ConfigError naming `where` (a file, a
    view) and each key that breaks the spec."""
    try:
        raw = yaml.safe_load(yaml_text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{where}: the metric view YAML does not parse: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a metric view's YAML is a mapping (version, source, ...).")
    # YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean true (docs "Joins" warns of it).
    for join in raw.get("joins") or []:
        if isinstance(join, dict) and True in join:
            join["on"] = join.pop(True)
    try:
        return MetricView.model_validate(raw)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in problem['loc']) or '(top)'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ConfigError(f"{where}: invalid metric view YAML: {details}") from None


# --- The local (DuckDB) metric views --------------------------------------------------------


@dataclass(frozen=True)
class LocalMetricView:
    """A metric view as the DuckDB materialization left it: the view of its data model
    (`database.schema.name`) and the definition kept in the view's comment."""

    database: str
    schema: str
    name: str
    definition: MetricView

    @property
    def relation(self) -> str:
        return ".".join(_quote(part) for part in (self.database, self.schema, self.name))


def local_metric_views(connection: Any) -> dict[str, LocalMetricView]:
    """The metric views of a DuckDB warehouse (a duckdb connection), by view name (lower
    case). ConfigError naming the view when its kept definition is not a valid metric view."""
    rows = connection.execute(
        "select database_name, schema_name, view_name, comment from duckdb_views() "
        "where not internal and starts_with(comment, ?)",
        [COMMENT_MARKER],
    ).fetchall()
    views = {}
    for database, schema, name, comment in rows:
        where = f"DuckDB view {database}.{schema}.{name}"
        definition = parse_definition(comment, where)
        views[name.lower()] = LocalMetricView(database, schema, name, definition)
    return views


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def measure_expression(definition: MetricView, name: str, _seen: tuple[str, ...] = ()) -> str:
    """Measure `name` as one SQL aggregate expression over the data model: its expr with
    every MEASURE(x) replaced by x's own expression, recursively. ConfigError for an unknown
    measure, a cycle, or a window measure (its value depends on the query's grouping: use
    query_sql)."""
    if name in _seen:
        raise ConfigError(
            f"Measures refer to each other in a cycle: {' -> '.join((*_seen, name))}."
        )
    measure = definition.measure(name)
    if measure.window:
        raise ConfigError(
            f"Measure {name!r} is a window measure: it has no single aggregate expression.",
            "Query it with lakehouse_bi.semantic.metric_view.query_sql (locally), or on "
            "Databricks; dashboard datasets read window measures only on Databricks.",
        )

    def inline(match: re.Match) -> str:
        names = _measure_names(match.group(0))
        if not names or names[0] is None:
            return match.group(0)
        return f"({measure_expression(definition, names[0], (*_seen, name))})"

    return _MEASURE_CALL.sub(inline, measure.expr)


def rewrite_measures(sql: str, definition: MetricView) -> str:
    """`sql` with every MEASURE(x) call (outside string literals) replaced by x's aggregate
    expression (measure_expression), so a query written against the metric view runs on its
    local data model view. ConfigError as measure_expression."""

    def replace(match: re.Match) -> str:
        names = _measure_names(match.group(0))
        if not names or names[0] is None:
            return match.group(0)
        return f"({measure_expression(definition, names[0])})"

    return _MEASURE_CALL.sub(replace, sql)


def uses_measures(sql: str) -> bool:
    """True when `sql` calls MEASURE() outside string literals."""
    return any(name is not None for name in _measure_names(sql))


def rewrite_for_duckdb(sql: str, views: dict[str, LocalMetricView], where: str) -> str:
    """A query that calls MEASURE() on one of `views` (local_metric_views), rewritten to run on
    DuckDB; any other query unchanged. ConfigError naming `where` when the query calls
    MEASURE() but reads no known metric view, or reads several."""
    if not uses_measures(sql):
        return sql
    read = sorted(
        name
        for name in views
        if re.search(
            rf"\b(?:from|join)\s+(?:[\w\"`]+\.)*[\"`]?{re.escape(name)}[\"`]?(?!\w)", sql, re.I
        )
    )
    if len(read) != 1:
        raise ConfigError(
            f"{where}: MEASURE() needs exactly one metric view in the query, found "
            f"{', '.join(read) or 'none'} (local metric views: "
            f"{', '.join(sorted(views)) or 'none'}).",
            "Build the warehouse (`make build`) so the metric view exists, and query one metric "
            "view per SELECT (Databricks does not join metric views at query time either).",
        )
    return rewrite_measures(sql, views[read[0]].definition)


# --- Grouped queries, window measures included -----------------------------------------------


def _window_condition(window: Window, column: str, anchor: str) -> str:
    """The rows of the window relative to `anchor` (docs "Window measures": trailing <n>
    <unit> covers the n units before the anchor's, not its own; leading the n after it)."""
    value = window.range.lower()
    if value == "current":
        return f"{column} = {anchor}"
    if value == "cumulative":
        return f"{column} <= {anchor}"
    if value == "all":
        return "true"
    match = _RANGE.match(value)
    assert match and match.group("direction")  # validated by Window
    interval = f"interval '{match.group('count')} {match.group('unit').lower()}'"
    if match.group("direction") == "trailing":
        return f"{column} >= {anchor} - {interval} and {column} < {anchor}"
    return f"{column} > {anchor} and {column} <= {anchor} + {interval}"


def _window_sql(measure: Measure, dimensions: list[str]) -> str:
    """A window measure for the current group of `grouped` as a correlated subquery over
    data_model: the rows of the group's other dimensions whose order dimension lies in the
    window around the anchor -- the group's own order value when the query groups by it, else
    (semiadditive) the group's last or first order value."""
    if len(measure.window or []) != 1:
        raise ConfigError(
            f"Measure {measure.name!r} has {len(measure.window or [])} windows; the local "
            "evaluation supports one per measure."
        )
    if measure.references():
        raise ConfigError(
            f"Window measure {measure.name!r} reads MEASURE(); not supported locally."
        )
    window = measure.window[0]  # type: ignore[index]
    order = _quote(window.order)
    partition = [d for d in dimensions if d != window.order]

    def same(alias: str) -> list[str]:
        return [f"{alias}.{_quote(d)} is not distinct from grouped.{_quote(d)}" for d in partition]

    if window.order in dimensions:
        anchor = f"grouped.{order}"
    else:
        pick = "max" if window.semiadditive == "last" else "min"
        anchor_where = " and ".join(
            [
                f"anchor_rows.{_quote(d)} is not distinct from grouped.{_quote(d)}"
                for d in dimensions
            ]
            or ["true"]
        )
        anchor = (
            f"(select {pick}(anchor_rows.{order}) from data_model as anchor_rows "
            f"where {anchor_where})"
        )
    conditions = [*same("window_rows"), _window_condition(window, f"window_rows.{order}", anchor)]
    return (
        f"(select {measure.expr} from data_model as window_rows where {' and '.join(conditions)})"
    )


def query_sql(
    view: LocalMetricView,
    dimensions: list[str],
    measures: list[str],
    where: str | None = None,
) -> str:
    """DuckDB SQL computing `measures` of `view` grouped by `dimensions` (columns of its data
    model: dimensions, or source columns), over the rows `where` keeps (SQL over those
    columns), one row per group ordered by the dimensions -- what Databricks returns for
    `SELECT <dimensions>, MEASURE(<m>) ... FROM <metric view> [WHERE ...] GROUP BY ALL`.

    Measures without MEASURE() references are aggregated per group; window measures are
    correlated subqueries (_window_sql); composed measures are computed from those values.
    Local limits, each a ConfigError: one window per measure, no MEASURE() inside a window
    measure, no window on a composed measure."""
    definition = view.definition
    needed: list[str] = []

    def collect(name: str, seen: tuple[str, ...]) -> None:
        if name in seen:
            raise ConfigError(
                f"Measures refer to each other in a cycle: {' -> '.join((*seen, name))}."
            )
        measure = definition.measure(name)
        if measure.window and measure.references():
            raise ConfigError(f"Window measure {name!r} reads MEASURE(); not supported locally.")
        for reference in measure.references():
            collect(reference, (*seen, name))
        if name not in needed:
            needed.append(name)

    for name in measures:
        collect(name, ())
    atomic = [n for n in needed if not definition.measure(n).references()]
    plain = [n for n in atomic if not definition.measure(n).window]
    windowed = [n for n in atomic if definition.measure(n).window]

    keys = [_quote(d) for d in dimensions]
    grouped_select = keys + [f"{definition.measure(n).expr} as {_quote(n)}" for n in plain]
    grouped = f"select {', '.join(grouped_select) or 'count(*) as __rows'} from data_model" + (
        f" group by {', '.join(keys)}" if keys else ""
    )
    window_select = ["grouped.*"] + [
        f"{_window_sql(definition.measure(n), dimensions)} as {_quote(n)}" for n in windowed
    ]

    def value(name: str) -> str:
        measure = definition.measure(name)
        if not measure.references():
            return _quote(name)

        def inline(match: re.Match) -> str:
            names = _measure_names(match.group(0))
            if not names or names[0] is None:
                return match.group(0)
            return f"({value(names[0])})"

        return _MEASURE_CALL.sub(inline, measure.expr)

    final = keys + [f"{value(n)} as {_quote(n)}" for n in measures]
    return (
        f"with data_model as (select * from {view.relation}"
        + (f" where {where}" if where else "")
        + f"),\ngrouped as ({grouped}),\nwindowed as (select {', '.join(window_select)} "
        "from grouped)\n"
        f"select {', '.join(final)}\nfrom windowed"
        + (f"\norder by {', '.join(keys)}" if keys else "")
    )
