"""`ops validate-deployment` checks: every model of the project is deployed with the columns
(and, where the YAML or contract declares them, the types) its YAML gives, holds rows unless
its meta says `allow_empty: true`, and every dashboard dataset query runs.

The same information_schema SQL runs on both engines (DuckDB and Databricks Unity Catalog
both have `information_schema.columns` with `table_schema, table_name, column_name`, and
the type in `data_type` on DuckDB, `full_data_type` on Databricks); dashboard queries are
Databricks SQL, transpiled by sqlglot for DuckDB.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.identifiers import (
    canonical_relation,
    quote_identifier,
    reject_control_characters,
    sql_literal,
)
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import Warehouse
from lakehouse_bi.schema.column_types import parse_type, same_type
from lakehouse_bi.semantic.metric_view import local_metric_views, rewrite_for_duckdb, uses_measures

DASHBOARDS_DIR = Path("resources/dashboards")


@dataclass(frozen=True)
class Finding:
    """One check's outcome: status `pass`, `fail` or `skip` (does not apply, and why)."""

    check: str
    subject: str
    status: str
    detail: str = ""


@dataclass(frozen=True)
class DeployedModel:
    """What the manifest says a model should look like once deployed."""

    name: str
    database: str | None
    schema: str
    alias: str
    relation: str
    materialized: str
    columns: dict[str, str | None]  # YAML column -> declared data_type (None: not declared)
    allow_empty: bool


def expected_models(manifest: Manifest) -> list[DeployedModel]:
    """The project's enabled, non-ephemeral models and its snapshots (packages' models are
    not ours to check). Every `relation_name` is parsed and re-quoted for the manifest's
    engine, and database/schema/alias checked for control characters: a ConfigError naming
    the node and the manifest when one is not a plain or quoted table name (a value that
    came from `--vars` or a hand-edited manifest), before any SQL runs."""
    models = []
    for node in manifest.data["nodes"].values():
        if node["resource_type"] not in ("model", "snapshot"):
            continue
        if node["package_name"] != manifest.project_name:
            continue
        config = node.get("config", {})
        if not config.get("enabled", True) or config.get("materialized") == "ephemeral":
            continue
        meta = {**config.get("meta", {}), **node.get("meta", {})}
        where = f"{node['resource_type']} {node['name']} in {manifest.path}:"
        engine = manifest.adapter_type
        for key in ("database", "schema", "alias"):
            if node.get(key) is not None:
                reject_control_characters(node[key], f"{where} {key}")
        models.append(
            DeployedModel(
                name=node["name"],
                database=node.get("database"),
                schema=node["schema"],
                alias=node.get("alias") or node["name"],
                relation=canonical_relation(
                    node["relation_name"], engine, f"{where} relation_name"
                ),
                materialized=config.get("materialized") or node["resource_type"],
                columns={
                    column["name"]: column.get("data_type")
                    for column in node.get("columns", {}).values()
                },
                allow_empty=bool(meta.get("allow_empty", False)),
            )
        )
    return sorted(models, key=lambda model: (model.schema, model.alias))


def deployed_columns(
    warehouse: Warehouse, models: list[DeployedModel]
) -> dict[tuple[str, str], dict[str, str]]:
    """{(schema, table): {column: engine data type}} for the models' schemas, lower-cased
    names; one information_schema query per catalog."""
    by_catalog: dict[str | None, set[str]] = {}
    for model in models:
        by_catalog.setdefault(model.database, set()).add(model.schema.lower())
    found: dict[tuple[str, str], dict[str, str]] = {}
    for catalog, schemas in by_catalog.items():
        engine = warehouse.engine
        schema_list = ", ".join(
            sql_literal(schema, engine, "model schema") for schema in sorted(schemas)
        )
        if engine == "databricks":
            source = (
                f"{quote_identifier(catalog, engine, 'model database')}.information_schema.columns"
                if catalog
                else ("information_schema.columns")
            )
            where = f"lower(table_schema) in ({schema_list})"
        else:
            source = "information_schema.columns"
            where = f"lower(table_schema) in ({schema_list})"
            if catalog:
                where += f" and table_catalog = {sql_literal(catalog, engine, 'model database')}"
        # Unity Catalog's data_type is the bare name (DECIMAL); full_data_type has the
        # parameters (decimal(18,2)) -- docs "INFORMATION_SCHEMA.COLUMNS".
        type_column = "full_data_type" if warehouse.engine == "databricks" else "data_type"
        rows = warehouse.query(
            f"select table_schema, table_name, column_name, {type_column} from {source} "
            f"where {where} order by table_schema, table_name, ordinal_position"
        )
        for schema, table, column, data_type in rows:
            key = (str(schema).lower(), str(table).lower())
            found.setdefault(key, {})[str(column).lower()] = str(data_type)
    return found


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def _type_problem(column: str, declared: str, actual: str, engine: str) -> str | None:
    where = f"column {column}"
    expected = parse_type(declared, engine, f"{where} data_type")
    try:
        deployed = parse_type(actual, engine, where)
    except ConfigError:
        return f"{column}: deployed type {actual!r} unreadable, declared {declared}"
    if not same_type(expected, deployed):
        return f"{column}: declared {declared}, deployed {actual}"
    return None


def check_models(warehouse: Warehouse, manifest: Manifest) -> list[Finding]:
    """Existence, columns, declared types and row counts of every model."""
    models = expected_models(manifest)
    deployed = deployed_columns(warehouse, models)
    findings = []
    for model in models:
        subject = f"{model.schema}.{model.alias}"
        columns = deployed.get((model.schema.lower(), model.alias.lower()))
        if columns is None:
            findings.append(Finding("exists", subject, "fail", f"{model.relation} not found"))
            continue
        findings.append(Finding("exists", subject, "pass", model.materialized))
        missing = [name for name in model.columns if name.lower() not in columns]
        type_problems = [
            problem
            for name, declared in model.columns.items()
            if declared and name.lower() in columns
            for problem in [_type_problem(name, declared, columns[name.lower()], warehouse.engine)]
            if problem
        ]
        if missing or type_problems:
            detail = "; ".join(
                ([f"missing columns: {', '.join(missing)}"] if missing else []) + type_problems
            )
            findings.append(Finding("columns", subject, "fail", detail))
        else:
            typed = sum(1 for declared in model.columns.values() if declared)
            findings.append(
                Finding(
                    "columns",
                    subject,
                    "pass",
                    f"{len(model.columns)} documented, {typed} typed, {len(columns)} deployed",
                )
            )
        if model.materialized == "metric_view":
            # No rows of its own: Databricks answers it only through MEASURE(); the dashboard
            # queries below read it that way.
            findings.append(Finding("rows", subject, "pass", "metric view (read via MEASURE())"))
            continue
        try:
            count = int(warehouse.query(f"select count(*) from {model.relation}")[0][0])
        except Exception as error:  # e.g. a view over a dropped column; engines differ in type
            findings.append(Finding("rows", subject, "fail", f"query failed: {_first_line(error)}"))
            continue
        if count == 0 and not model.allow_empty:
            findings.append(
                Finding("rows", subject, "fail", "0 rows (set meta allow_empty: true if normal)")
            )
        else:
            note = " (allowed empty)" if model.allow_empty else ""
            findings.append(Finding("rows", subject, "pass", f"{count} rows{note}"))
    return findings


@dataclass(frozen=True)
class DashboardQuery:
    file: str
    dataset: str
    sql: str  # Databricks SQL with parameters replaced by their default values
    catalog: str | None
    schema: str | None


def _default_value(parameter: dict[str, Any], suffix: str | None) -> str:
    selection = parameter.get("defaultSelection") or {}
    kind = str(parameter.get("dataType", "STRING")).upper()
    if "range" in selection:
        bound = (selection["range"].get(suffix or "min") or {}).get("value")
    else:
        values = (selection.get("values") or {}).get("values") or []
        bound = values[0].get("value") if values else None
    if bound is None:
        raise ConfigError(
            f"parameter {parameter.get('keyword')!r} has no default value",
            "Give every dashboard parameter a defaultSelection.",
        )
    what = f"parameter {parameter.get('keyword')!r} default"
    if kind in ("INTEGER", "DECIMAL", "DOUBLE", "FLOAT", "LONG"):
        if not re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", str(bound).strip()):
            raise ConfigError(
                f"{what} {bound!r} is not a number ({kind}).",
                "Give the parameter a numeric defaultSelection value.",
            )
        return str(bound).strip()
    return sql_literal(str(bound), "databricks", what)  # the queries are Databricks SQL


def _bind(sql: str, parameters: list[dict[str, Any]], where: str) -> str:
    by_keyword = {parameter.get("keyword"): parameter for parameter in parameters}

    def replace(match: re.Match[str]) -> str:
        keyword, suffix = match.group(1), match.group(2)
        if keyword not in by_keyword:
            raise ConfigError(
                f"{where}: query uses :{keyword}, which the dataset does not declare.",
                "Declare it under the dataset's parameters with a defaultSelection.",
            )
        try:
            return _default_value(by_keyword[keyword], suffix)
        except ConfigError as error:
            raise ConfigError(f"{where}: {error.message}", error.hint) from None

    # `:name` not preceded by another colon (`::` casts) nor inside a word.
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)(?:\.(min|max))?", replace, sql)


def dashboard_queries(project_dir: Path, target: str | None = None) -> list[DashboardQuery]:
    """Every dataset query of `resources/dashboards/*.lvdash.json` (`queryLines` joined, or
    `query`), parameters bound to their defaults. No folder -> [].

    With the project's dashboard specs (`resources/dashboards/specs/`) and a `target`, the
    queries come from the dashboards' own resolver (lakehouse_bi.deploy.dashboard_files): the
    unqualified tables qualified with the target's schema of each dataset's layer and relative
    date defaults (`now-30d/d`) counted back from today, exactly as the preview binds them."""
    folder = project_dir / DASHBOARDS_DIR
    if target is not None and (folder / "specs").is_dir():
        from lakehouse_bi.deploy.dashboard_files import resolved_dataset_queries

        return [
            DashboardQuery(resolved.dashboard, resolved.dataset, resolved.sql, None, None)
            for resolved in resolved_dataset_queries(project_dir, target)
        ]
    queries = []
    for path in sorted(folder.glob("*.lvdash.json")) if folder.is_dir() else []:
        try:
            spec = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ConfigError(f"{path}: not valid JSON ({error}).", "Fix the file.") from None
        for index, dataset in enumerate(spec.get("datasets", [])):
            name = dataset.get("displayName") or dataset.get("name") or f"datasets[{index}]"
            where = f"{path.name} dataset {name!r}"
            sql = "".join(dataset.get("queryLines") or []) or dataset.get("query") or ""
            if not sql.strip():
                raise ConfigError(f"{where} has no query.", "Give it queryLines or query.")
            queries.append(
                DashboardQuery(
                    path.name,
                    name,
                    _bind(sql, dataset.get("parameters") or [], where),
                    dataset.get("catalog"),
                    dataset.get("schema"),
                )
            )
    return queries


def runnable_sql(query: DashboardQuery, engine: str, default_schema: str | None) -> str:
    """The query as `engine` runs it: on Databricks as written (unqualified tables get the
    dataset's catalog/schema); on DuckDB transpiled, catalogs dropped (one database file)."""
    tree = sqlglot.parse_one(query.sql, dialect="databricks")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name.lower() in ctes and not table.args.get("db"):
            continue
        if engine == "duckdb":
            table.set("catalog", None)
            if not table.args.get("db") and (query.schema or default_schema):
                table.set("db", exp.to_identifier(query.schema or default_schema))
        else:
            if not table.args.get("db") and query.schema:
                table.set("db", exp.to_identifier(query.schema))
            if not table.args.get("catalog") and query.catalog and table.args.get("db"):
                table.set("catalog", exp.to_identifier(query.catalog))
    return tree.sql(dialect=engine)


def check_dashboards(
    warehouse: Warehouse, queries: list[DashboardQuery], default_schema: str | None
) -> list[Finding]:
    """Run each dataset query (its first row only); a failing query is a `fail` finding. On
    DuckDB a query's MEASURE() calls on a metric view become the definition's aggregates
    (lakehouse_bi.semantic.metric_view), as the dashboards' preview runs them."""
    findings = []
    metric_views = None
    for query in queries:
        subject = f"{query.file}: {query.dataset}"
        try:
            sql = runnable_sql(query, warehouse.engine, default_schema)
            if warehouse.engine == "duckdb" and uses_measures(sql):
                # DuckDB has no metric views: MEASURE() becomes the definition's aggregate.
                if metric_views is None:
                    metric_views = local_metric_views(warehouse.connection)
                sql = rewrite_for_duckdb(sql, metric_views, subject)
            rows = warehouse.query(f"select * from ({sql}) as dataset limit 1")
        except Exception as error:  # engines raise their own types; report, do not hide
            findings.append(Finding("dashboard query", subject, "fail", _first_line(error)))
            continue
        detail = "runs" if rows else "runs, returned no rows"
        findings.append(Finding("dashboard query", subject, "pass", detail))
    return findings
