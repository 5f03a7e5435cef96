"""`lakehouse-bi dashboards preview`: the dashboards' datasets run on the local DuckDB warehouse
and drawn into ONE self-contained HTML page (plotly.js inlined; no network), one section per
dashboard, every parameter at its default. Widgets are laid out on Lakeview's 6-column grid.
Datasets that read a metric view with MEASURE() run on its local data model view, each
measure replaced by its definition's aggregate (lakehouse_bi.semantic.metric_view).
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
from dataclasses import dataclass
from pathlib import Path

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from lakehouse_bi.deploy.dashboard_files import (
    Dashboard,
    default_values,
    load_dashboards,
    resolved_dataset_sql,
)
from lakehouse_bi.deploy.dashboard_specs import load_specs
from lakehouse_bi.deploy.dashboard_targets import target_location
from lakehouse_bi.deploy.dashboard_widgets import CHART_TYPES, WidgetQuery, widget_query, widget_sql
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.ops.warehouse import open_duckdb
from lakehouse_bi.semantic.metric_view import local_metric_views, rewrite_for_duckdb

ROW_PIXELS = 64


@dataclass(frozen=True)
class WidgetResult:
    """A widget's query and the rows it returned (column names in field order)."""

    query: WidgetQuery
    sql: str
    columns: list[str]
    rows: list[tuple]


def _plain(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def compute_widgets(
    connection: duckdb.DuckDBPyConnection,
    dashboard: Dashboard,
    placeholders: dict[str, str],
    as_of: dt.date,
) -> list[WidgetResult]:
    """Run each data widget of `dashboard` on DuckDB (MEASURE() on a metric view rewritten for
    its local data model). Raises ConfigError naming the dashboard, widget and dataset when a
    query fails (e.g. the warehouse lacks a mart: run dbt build)."""
    results = []
    metric_views = local_metric_views(connection)
    for widget in dashboard.widgets():
        query = widget_query(widget)
        dataset = dashboard.dataset(query.dataset)
        where = f"{dashboard.path}: widget {widget.name!r} (dataset {dataset.name!r})"
        sql = rewrite_for_duckdb(
            widget_sql(
                query, resolved_dataset_sql(dashboard, dataset, placeholders, as_of), "duckdb"
            ),
            metric_views,
            where,
        )
        try:
            cursor = connection.execute(sql)
        except duckdb.Error as error:
            raise ConfigError(
                f"{dashboard.path}: widget {widget.name!r} (dataset {dataset.name!r}) failed on "
                f"DuckDB: {error}",
                "Build the warehouse first (`make build` or `lakehouse-bi demo`).",
            ) from error
        columns = [description[0] for description in cursor.description]
        rows = [tuple(_plain(v) for v in row) for row in cursor.fetchall()]
        results.append(WidgetResult(query, sql, columns, rows))
    return results


def _format(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 1 and value != 0 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _chart(result: WidgetResult, element_id: str) -> str:
    names = result.query.field_names()
    encodings = result.query.encodings
    x = names.index(encodings["x"]["fieldName"])
    y = names.index(encodings["y"]["fieldName"])
    xs = [row[x] for row in result.rows]
    ys = [row[y] for row in result.rows]
    trace = (
        go.Scatter(x=xs, y=ys, mode="lines+markers", name=encodings["y"].get("displayName"))
        if result.query.kind == "line"
        else go.Bar(x=xs, y=ys, name=encodings["y"].get("displayName"))
    )
    figure = go.Figure(trace)
    figure.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        xaxis_title=encodings["x"].get("displayName"),
        yaxis_title=encodings["y"].get("displayName"),
        template="plotly_white",
    )
    if encodings["x"].get("scale", {}).get("type") == "temporal":
        figure.update_xaxes(type="date", tickformat="%Y-%m-%d")
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=element_id,
        default_height="100%",
        config={"displaylogo": False, "responsive": True},
    )


def _widget_html(result: WidgetResult, element_id: str) -> str:
    kind = result.query.kind
    title = html.escape(result.query.title)
    if kind == "counter":
        value = result.rows[0][0] if result.rows else None
        body = f'<div class="counter" data-value="{html.escape(str(value))}">{_format(value)}</div>'
    elif kind in CHART_TYPES:
        body = (
            f'<div class="chart" data-rows="{len(result.rows)}">{_chart(result, element_id)}</div>'
        )
    else:
        labels = {
            column["fieldName"]: column.get("displayName", column["fieldName"])
            for column in result.query.encodings.get("columns", [])
        }
        head = "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in result.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_format(v))}</td>" for v in row) + "</tr>"
            for row in result.rows
        )
        body = (
            f'<div class="table-wrap"><table data-rows="{len(result.rows)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    return f"<h3>{title}</h3>{body}"


def _text_lines(dashboard: Dashboard) -> list[str]:
    for page in dashboard.document.pages:
        for item in page.layout:
            spec = getattr(item.widget, "multilineTextboxSpec", None)
            if spec:
                # Lines end in "\n" and paragraphs are separated by a blank line, as exported.
                return [line.strip().lstrip("# ") for line in spec["lines"] if line.strip()]
    return [dashboard.display_name]


def _parameters_line(dashboard: Dashboard, as_of: dt.date) -> str:
    applied: dict[str, str] = {}
    for dataset in dashboard.document.datasets:
        applied.update(default_values(dataset, as_of))
    return ", ".join(f":{key} = {value}" for key, value in sorted(applied.items()))


def _section(dashboard: Dashboard, results: list[WidgetResult], as_of: dt.date, index: int) -> str:
    positions = {
        item.widget.name: item.position
        for page in dashboard.document.pages
        if page.pageType == "PAGE_TYPE_CANVAS"
        for item in page.layout
    }
    cells = []
    for number, result in enumerate(results):
        position = positions[result.query.name]
        style = (
            f"grid-column: {position['x'] + 1} / span {position['width']}; "
            f"grid-row: {position['y'] + 1} / span {position['height']};"
        )
        element_id = f"d{index}-w{number}"
        cells.append(
            f'<div class="widget {result.query.kind}-widget" data-widget="'
            f'{html.escape(result.query.name)}" style="{style}">'
            f"{_widget_html(result, element_id)}</div>"
        )
    title, *description = _text_lines(dashboard)
    return (
        f'<section class="dashboard" data-dashboard="{html.escape(dashboard.display_name)}">'
        f"<h2>{html.escape(title)}</h2>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in description)
        + f'<p class="parameters">Parameters at their defaults: '
        f"{html.escape(_parameters_line(dashboard, as_of))}</p>"
        f'<div class="grid">{"".join(cells)}</div></section>'
    )


_STYLE = f"""
body {{ font-family: sans-serif; margin: 24px; color: #1b1b1b; background: #f6f7f9; }}
section.dashboard {{ background: white; padding: 16px 24px; margin-bottom: 32px;
  border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }}
.grid {{ display: grid; grid-template-columns: repeat(6, 1fr);
  grid-auto-rows: {ROW_PIXELS}px; gap: 12px; }}
.widget {{ border: 1px solid #e3e5e8; border-radius: 6px; padding: 8px; overflow: hidden;
  display: flex; flex-direction: column; }}
.widget h3 {{ font-size: 14px; margin: 0 0 6px 0; }}
.widget .chart {{ flex: 1; min-height: 0; }}
.counter {{ font-size: 32px; font-weight: 600; }}
.table-wrap {{ overflow: auto; flex: 1; }}
table {{ border-collapse: collapse; font-size: 12px; width: 100%; }}
th, td {{ border-bottom: 1px solid #e3e5e8; padding: 3px 6px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.parameters {{ color: #555; font-size: 12px; }}
"""


def render_preview(project_dir: Path, database: Path, as_of: dt.date | None = None) -> str:
    """The preview page's HTML for the DuckDB warehouse `database` (see module docstring).
    Raises ConfigError when a spec, dashboard file or query is wrong or the database is missing
    or not a DuckDB database."""
    if not database.is_file():
        raise ConfigError(
            f"No DuckDB warehouse at {database}.",
            "Build it first: `make build` (or `lakehouse-bi demo`).",
        )
    as_of = as_of or dt.datetime.now(dt.timezone.utc).date()
    specs = load_specs(project_dir)
    placeholders = target_location(project_dir, "local").placeholders
    sections = []
    with open_duckdb(database) as connection:
        for index, dashboard in enumerate(load_dashboards(project_dir, specs)):
            results = compute_widgets(connection, dashboard, placeholders, as_of)
            sections.append(_section(dashboard, results, as_of, index))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        "<title>lakehouse-bi dashboards preview</title>"
        f"<style>{_STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
        f"<h1>lakehouse-bi dashboards preview</h1><p>Local DuckDB warehouse "
        f"{html.escape(database.name)}; dates relative to {as_of.isoformat()}.</p>"
        + "".join(sections)
        + "</body></html>"
    )


def write_preview(
    project_dir: Path, database: Path, output: Path, as_of: dt.date | None = None
) -> Path:
    """Write the preview page to `output` (folders created); returns its path."""
    page = render_preview(project_dir, database, as_of)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    return output
