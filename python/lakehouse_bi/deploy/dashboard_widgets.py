"""The query a Lakeview widget runs on its dataset, as SQL for Databricks or DuckDB.

Lakeview computes a widget from its dataset: the widget's fields (`SUM(\\`revenue\\`)`,
`\\`metric_date\\``) selected over the dataset, grouped by the fields that aggregate nothing
unless the query is `disaggregated`. The field expressions are Databricks SQL; sqlglot
transpiles them for DuckDB (only these small expressions: the dataset SQL itself is written
once and runs unchanged on both engines).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from lakehouse_bi.deploy.dashboard_files import LvField, LvWidget
from lakehouse_bi.errors import ConfigError

CHART_TYPES = {"line", "bar"}
WIDGET_TYPES = {"counter", "table", *CHART_TYPES}


@dataclass(frozen=True)
class WidgetQuery:
    name: str
    kind: str  # counter, line, bar, table
    title: str
    dataset: str
    fields: list[LvField]
    disaggregated: bool
    encodings: dict

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def widget_query(widget: LvWidget) -> WidgetQuery:
    """The widget's main query; raises ConfigError for a widget type the preview cannot draw."""
    spec = widget.spec or {}
    kind = spec.get("widgetType", "")
    if kind not in WIDGET_TYPES:
        raise ConfigError(
            f"Widget {widget.name!r} has type {kind!r}; "
            f"supported: {', '.join(sorted(WIDGET_TYPES))}."
        )
    query = widget.queries[0].query
    title = (spec.get("frame") or {}).get("title") or widget.name
    return WidgetQuery(
        widget.name, kind, title, query.datasetName, query.fields, query.disaggregated,
        spec.get("encodings") or {},
    )  # fmt: skip


def _is_aggregate(expression: str) -> bool:
    return sqlglot.parse_one(expression, read="databricks").find(exp.AggFunc) is not None


def _quote(name: str, dialect: str) -> str:
    if dialect == "databricks":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def _expression(expression: str, dialect: str) -> str:
    if dialect == "databricks":
        return expression
    return sqlglot.transpile(expression, read="databricks", write=dialect)[0]


def widget_sql(query: WidgetQuery, dataset_sql: str, dialect: str) -> str:
    """SQL computing the widget's fields over `dataset_sql` in `dialect` (`databricks` or
    `duckdb`), ordered for drawing: by x for temporal charts, largest y first for categorical
    bars, by the first column otherwise."""
    selected = ",\n    ".join(
        f"{_expression(f.expression, dialect)} as {_quote(f.name, dialect)}" for f in query.fields
    )
    dimensions = [
        str(position)
        for position, f in enumerate(query.fields, start=1)
        if not _is_aggregate(f.expression)
    ]
    group_by = ""
    if dimensions and not query.disaggregated:
        group_by = f"\ngroup by {', '.join(dimensions)}"
    order_by = ""
    if query.kind in CHART_TYPES:
        names = query.field_names()
        x = names.index(query.encodings["x"]["fieldName"]) + 1
        y = names.index(query.encodings["y"]["fieldName"]) + 1
        categorical = query.encodings["x"].get("scale", {}).get("type") == "categorical"
        order_by = f"\norder by {y} desc, {x}" if categorical else f"\norder by {x}"
    elif query.kind == "table":
        order_by = "\norder by 1"
    return (
        f"select\n    {selected}\nfrom (\n{dataset_sql.rstrip()}\n) as dataset{group_by}{order_by}"
    )
