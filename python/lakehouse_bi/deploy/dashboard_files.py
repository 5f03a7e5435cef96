"""The Lakeview dashboards of resources/dashboards/*.lvdash.json and their dataset SQL.

Dataset SQL is written once for both engines. It names tables unqualified
(`from sales_dashboard_metrics`); each dataset declares the layer it reads as its `schema`
(`gold`, `observability`; `catalog` holds the dev catalog), and takes Lakeview parameters as
`:keyword` (`:date_range.min` / `.max` for the date range). The bundle deploys the file as it
is and sets `dataset_catalog` / `dataset_schema` per target (lakehouse_bi.deploy.
bundle_dashboards), which Lakeview applies to every dataset. The preview and ops'
validate-deployment qualify the tables with the target's layer schema (dashboard_targets) and
bind the parameters' defaults as SQL literals, so the same text runs on DuckDB and on a
Databricks SQL warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lakehouse_bi.deploy.dashboard_specs import DashboardSpecs
from lakehouse_bi.errors import ConfigError

DASHBOARDS_DIR = Path("resources/dashboards")
# A string literal (skipped), or a parameter marker `:keyword` with an optional `.min`/`.max`
# (not a `::` cast, not a `col:path` JSON path).
_MARKER = re.compile(r"'(?:[^']|'')*'|(?<![\w:]):([a-z][a-z0-9_]*)(\.min|\.max)?\b")
# `from <table>` / `join <table>` (string literals skipped): an unqualified name, or a
# qualified one (`x.y`, which dataset_catalog / dataset_schema would not reach).
_TABLE_REF = re.compile(
    r"'(?:[^']|'')*'|\b(?P<keyword>from|join)(?P<space>\s+)(?P<name>[A-Za-z_`$][\w`${}]*)"
    r"(?P<dotted>\s*\.)?",
    re.IGNORECASE,
)
_CTE_NAME = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s+as\s*\(", re.IGNORECASE)
# Lakeview's relative dates for the spec's "-<n>d" / "today".
_LAKEVIEW_DAY = re.compile(r"^now(-(?P<days>[0-9]+)d)?/d$")


class _Loose(BaseModel):
    """Lakeview's format has many optional keys: check the ones we use, keep the rest."""

    model_config = ConfigDict(extra="allow")


class LvParameter(_Loose):
    keyword: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    dataType: str  # noqa: N815 - Lakeview's key
    complexType: str | None = None  # noqa: N815
    defaultSelection: dict[str, Any]  # noqa: N815


class LvDataset(_Loose):
    name: str = Field(min_length=1)
    displayName: str  # noqa: N815
    queryLines: list[str] = Field(min_length=1)  # noqa: N815
    parameters: list[LvParameter] = []
    catalog: str | None = None
    layer: str | None = Field(default=None, alias="schema")  # Lakeview's key: the layer read


class LvField(_Loose):
    name: str
    expression: str


class LvQueryBody(_Loose):
    datasetName: str  # noqa: N815
    fields: list[LvField] = []
    disaggregated: bool = False


class LvQuery(_Loose):
    name: str
    query: LvQueryBody


class LvWidget(_Loose):
    name: str = Field(min_length=1)
    queries: list[LvQuery] = []
    spec: dict[str, Any] | None = None


class LvLayoutItem(_Loose):
    widget: LvWidget
    position: dict[str, int]


class LvPage(_Loose):
    name: str
    displayName: str  # noqa: N815
    layout: list[LvLayoutItem]
    pageType: str = "PAGE_TYPE_CANVAS"  # noqa: N815


class LvDocument(_Loose):
    datasets: list[LvDataset] = Field(min_length=1)
    pages: list[LvPage] = Field(min_length=1)


@dataclass(frozen=True)
class Dashboard:
    """One dashboard: its display name, file (relative to the project) and parsed document."""

    display_name: str
    path: Path
    raw: dict[str, Any]
    document: LvDocument

    @property
    def layer(self) -> str | None:
        """The layer (schema) every dataset reads, None when they disagree or declare none."""
        layers = {dataset.layer for dataset in self.document.datasets}
        return layers.pop() if len(layers) == 1 else None

    def dataset(self, name: str) -> LvDataset:
        return next(d for d in self.document.datasets if d.name == name)

    def widgets(self) -> list[LvWidget]:
        """Data widgets (with queries on datasets) of the canvas pages, in layout order."""
        return [
            item.widget
            for page in self.document.pages
            if page.pageType == "PAGE_TYPE_CANVAS"
            for item in sorted(page.layout, key=lambda i: (i.position["y"], i.position["x"]))
            if item.widget.spec and item.widget.queries
        ]


def file_name(display_name: str) -> str:
    """The dashboard's file name: "Sales Overview" -> "sales_overview.lvdash.json"."""
    return re.sub(r"[^a-z0-9]+", "_", display_name.lower()).strip("_") + ".lvdash.json"


def load_dashboard(project_dir: Path, display_name: str) -> Dashboard:
    """Parse one dashboard's file; raises ConfigError naming the file and key."""
    relative = DASHBOARDS_DIR / file_name(display_name)
    path = project_dir / relative
    if not path.is_file():
        raise ConfigError(f"{relative}: missing (dashboard {display_name!r}).")
    try:
        raw = json.loads(path.read_text())
        document = LvDocument.model_validate(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{relative}: not valid JSON: {error}") from error
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ConfigError(f"{relative}: {details}") from error
    return Dashboard(display_name, relative, raw, document)


def load_dashboards(project_dir: Path, specs: DashboardSpecs) -> list[Dashboard]:
    """Every dashboard the permissions spec names (each must have permissions), in its order."""
    return [load_dashboard(project_dir, name) for name in specs.permissions.dashboards]


def substitute(sql: str, placeholders: dict[str, str], where: str) -> str:
    """`${layer}` placeholders replaced; raises ConfigError naming `where` on an unknown one."""
    try:
        return string.Template(sql).substitute(placeholders)
    except (KeyError, ValueError) as error:
        raise ConfigError(
            f"{where}: unknown placeholder {error} in its SQL.",
            f"Use one of: {', '.join('${' + k + '}' for k in sorted(placeholders))}.",
        ) from error


def _cte_names(sql: str) -> set[str]:
    return {name.lower() for name in _CTE_NAME.findall(sql)}


def table_references(sql: str) -> list[tuple[str, bool]]:
    """(name, qualified) of each table a SQL text reads with `from` / `join` (CTE names and
    string literals excluded)."""
    ctes = _cte_names(sql)
    return [
        (match.group("name"), bool(match.group("dotted")))
        for match in _TABLE_REF.finditer(sql)
        if match.group("name") and match.group("name").lower() not in ctes
    ]


def qualify_tables(sql: str, schema: str) -> str:
    """`sql` with every unqualified `from` / `join` table (not a CTE) prefixed by `schema`
    (`gold` on DuckDB, `lakehouse_bi_prod.gold` on Databricks)."""
    ctes = _cte_names(sql)

    def qualify(match: re.Match) -> str:
        name = match.group("name")
        if not name or match.group("dotted") or name.lower() in ctes:
            return match.group(0)
        return f"{match.group('keyword')}{match.group('space')}{schema}.{name}"

    return _TABLE_REF.sub(qualify, sql)


def placeholders_used(sql: str) -> set[str]:
    """The placeholder names of a SQL text."""
    return {
        match.group("named") or match.group("braced")
        for match in string.Template.pattern.finditer(sql)
        if match.group("named") or match.group("braced")
    }


def parameter_markers(sql: str) -> set[str]:
    """Parameter keywords the SQL refers to as `:keyword` (string literals, `::` casts and
    JSON paths excluded)."""
    return {match.group(1) for match in _MARKER.finditer(sql) if match.group(1)}


def relative_day(lakeview_value: str, as_of: dt.date) -> dt.date:
    """Lakeview's `now/d` or `now-<n>d/d` as a date, counted back from `as_of`."""
    match = _LAKEVIEW_DAY.match(lakeview_value)
    if not match:
        raise ConfigError(f"Unsupported relative date {lakeview_value!r} (expected now-<n>d/d).")
    return as_of - dt.timedelta(days=int(match.group("days") or 0))


def spec_day_as_lakeview(value: str) -> str:
    """The spec's "-30d" / "today" in Lakeview's form: "now-30d/d" / "now/d"."""
    return "now/d" if value == "today" else f"now{value}/d"


def default_values(dataset: LvDataset, as_of: dt.date) -> dict[str, str]:
    """SQL literals of the dataset's parameter defaults: `date_range.min` -> TIMESTAMP
    '2026-10-30 00:00:00' (a DATETIME range; DATE '...' for a DATE one), `country` -> 'All'."""
    values: dict[str, str] = {}
    for parameter in dataset.parameters:
        selection = parameter.defaultSelection
        if parameter.complexType == "RANGE":
            for bound in ("min", "max"):
                day = relative_day(selection["range"][bound]["value"], as_of).isoformat()
                values[f"{parameter.keyword}.{bound}"] = (
                    f"TIMESTAMP '{day} 00:00:00'"
                    if parameter.dataType == "DATETIME"
                    else f"DATE '{day}'"
                )
        else:
            value = selection["values"]["values"][0]["value"]
            values[parameter.keyword] = "'" + str(value).replace("'", "''") + "'"
    return values


def bind_parameters(sql: str, values: dict[str, str]) -> str:
    """Replace `:keyword` / `:keyword.min|max` markers by the literals in `values`."""

    def literal(match: re.Match) -> str:
        if not match.group(1):
            return match.group(0)  # a string literal
        key = match.group(1) + (match.group(2) or "")
        if key not in values:
            raise ConfigError(f"SQL parameter :{key} has no value.")
        return values[key]

    return _MARKER.sub(literal, sql)


@dataclass(frozen=True)
class ResolvedDataset:
    dashboard: str
    dataset: str
    sql: str


def resolved_dataset_sql(
    dashboard: Dashboard, dataset: LvDataset, placeholders: dict[str, str], as_of: dt.date
) -> str:
    """A dataset's SQL for the target: its tables qualified with the target's schema of the
    dataset's layer (`placeholders`: layer -> schema, TargetLocation.placeholders), parameters
    bound to their defaults as of `as_of`. ConfigError for a layer the target lacks."""
    if dataset.layer not in placeholders:
        raise ConfigError(
            f"{dashboard.path}: dataset {dataset.name!r} reads schema {dataset.layer!r}.",
            f'Set its "schema" to one of: {", ".join(sorted(placeholders))}.',
        )
    sql = qualify_tables("".join(dataset.queryLines), placeholders[dataset.layer])
    return bind_parameters(sql, default_values(dataset, as_of))


def resolved_dataset_queries(
    project_dir: Path, target: str, as_of: dt.date | None = None
) -> list[ResolvedDataset]:
    """Every dataset query of every dashboard, runnable as is on dbt target `target`:
    placeholders resolved for the target, parameters at their defaults counted back from
    `as_of` (default today, UTC). For the preview and post-deploy validation."""
    from lakehouse_bi.deploy.dashboard_specs import load_specs
    from lakehouse_bi.deploy.dashboard_targets import target_location

    as_of = as_of or dt.datetime.now(dt.timezone.utc).date()
    placeholders = target_location(project_dir, target).placeholders
    return [
        ResolvedDataset(
            dashboard.display_name,
            dataset.name,
            resolved_dataset_sql(dashboard, dataset, placeholders, as_of),
        )
        for dashboard in load_dashboards(project_dir, load_specs(project_dir))
        for dataset in dashboard.document.datasets
    ]
