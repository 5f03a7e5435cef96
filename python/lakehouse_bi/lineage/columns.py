"""Column-level lineage from each model's compiled SQL (sqlglot): for every output column,
the upstream columns it is computed from, one hop back, plus the JSON export. A metric view's
compiled code is its YAML: its columns are its dimensions and measures, each read from the
expressions of its definition (lakehouse_bi.semantic.metric_view)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import lineage

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.lineage.project_graph import GraphNode, ProjectGraph

_PARSE_ERRORS = (SqlglotError, ValueError, KeyError, RecursionError, AttributeError)
# Nodes whose columns are computed by their own SQL; a snapshot's select feeds its table.
_DERIVED_TYPES = ("model", "snapshot")


@dataclass(frozen=True, order=True)
class ColumnRef:
    unique_id: str
    relation: str
    column: str

    @property
    def label(self) -> str:
        return f"{self.relation}.{self.column}"


@dataclass
class ColumnLineage:
    dialect: str
    project_name: str
    # model unique_id -> output column -> the upstream columns it reads
    models: dict[str, dict[str, list[ColumnRef]]] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)  # unique_id -> schema.relation
    unparsed: dict[str, str] = field(default_factory=dict)  # unique_id -> why

    def edges(self) -> list[tuple[ColumnRef, ColumnRef]]:
        """(upstream, downstream) pairs, sorted: the whole graph one hop at a time."""
        pairs = []
        for unique_id, columns in self.models.items():
            for column, upstream in columns.items():
                target = ColumnRef(unique_id, self.relations[unique_id], column)
                pairs.extend((source, target) for source in upstream)
        return sorted(pairs)

    def upstream(self, label: str) -> set[str]:
        """Every column `label` (schema.relation.column) is derived from, transitively."""
        parents: dict[str, set[str]] = {}
        for source, target in self.edges():
            parents.setdefault(target.label, set()).add(source.label)
        found: set[str] = set()
        pending = [label.lower()]
        while pending:
            for parent in parents.get(pending.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    pending.append(parent)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "project": self.project_name,
            "dialect": self.dialect,
            "models": {
                unique_id: {
                    "relation": self.relations[unique_id],
                    "columns": {
                        column: [vars(ref) for ref in upstream]
                        for column, upstream in sorted(columns.items())
                    },
                }
                for unique_id, columns in sorted(self.models.items())
            },
            "edges": [{"from": s.label, "to": t.label} for s, t in self.edges()],
            "unparsed": dict(sorted(self.unparsed.items())),
        }


def _leaf_column(node_name: str) -> str:
    """`fct_sales.net_amount` / `_0."customer_id"` -> the bare column name."""
    return node_name.rsplit(".", 1)[-1].strip('"`').lower()


def _sole_source(graph: ProjectGraph, model: GraphNode) -> GraphNode | None:
    """The source a model reads and nothing else (bronze reads its landing files)."""
    parents = [d for d in model.depends_on if d in graph.nodes]
    if len(parents) == 1 and graph.nodes[parents[0]].resource_type == "source":
        return graph.nodes[parents[0]]
    return None


def _upstream_of(
    relations: dict[tuple[str, str, str], GraphNode],
    sole_source: GraphNode | None,
    leaf: exp.Table,
    column: str,
) -> GraphNode | None:
    """The project node a leaf table is; a table function (read_csv, read_files) is the
    model's sole source, the landing files it reads."""
    key = (leaf.catalog.lower(), leaf.db.lower(), leaf.name.lower())
    node = relations.get(key) if leaf.name else None
    if node is not None:
        return node
    if sole_source is not None and column in sole_source.columns:
        return sole_source
    return None


def _model_lineage(
    graph: ProjectGraph, relations: dict[tuple[str, str, str], GraphNode], model: GraphNode
) -> dict[str, list[ColumnRef]]:
    expression = graph.parse(model)
    roots = lineage(None, expression, schema=graph.sqlglot_schema(), dialect=graph.dialect)
    sole_source = _sole_source(graph, model)
    columns: dict[str, list[ColumnRef]] = {}
    for column, root in roots.items():
        refs = set()
        for step in root.walk():
            if not isinstance(step.source, exp.Table):
                continue
            name = _leaf_column(step.name)
            upstream = _upstream_of(relations, sole_source, step.source, name)
            if upstream is not None:
                refs.add(ColumnRef(upstream.unique_id, upstream.label, name))
        name = column.lower()
        if not refs and sole_source is not None and name in sole_source.columns:
            # The last run's SQL may not read the source at all (an incremental bronze run
            # with no new files selects typed nulls); a model fed by one source alone keeps
            # that source's column names, so the column still comes from it.
            refs.add(ColumnRef(sole_source.unique_id, sole_source.label, name))
        columns[name] = sorted(refs)
    return columns


def _metric_view_lineage(
    graph: ProjectGraph, relations: dict[tuple[str, str, str], GraphNode], model: GraphNode
) -> dict[str, list[ColumnRef]]:
    """Each dimension and measure of a metric view, from the columns its expr reads: a bare
    or `source.` column is the source's, `<join>.<column>` the join's table's; a measure that
    reads MEASURE(x) also reads what x reads, and every measure reads the `filter`'s columns."""
    from lakehouse_bi.semantic.metric_view import parse_definition

    definition = parse_definition(model.compiled_code or "", model.unique_id)

    def node_of(relation: str) -> GraphNode | None:
        table = exp.to_table(relation, dialect=graph.dialect)
        return relations.get((table.catalog.lower(), table.db.lower(), table.name.lower()))

    tables = {"": node_of(definition.source), "source": node_of(definition.source)}
    tables.update({join.name.lower(): node_of(join.source) for join in definition.joins})

    def reads(expression: str) -> tuple[set[ColumnRef], list[str]]:
        tree = sqlglot.parse_one(expression, dialect=graph.dialect)
        measures = [
            call.expressions[0].name
            for call in tree.find_all(exp.Anonymous)
            if call.name.upper() == "MEASURE" and call.expressions
        ]
        refs = set()
        for column in tree.find_all(exp.Column):
            parent = column.parent
            if isinstance(parent, exp.Anonymous) and parent.name.upper() == "MEASURE":
                continue
            upstream = tables.get(column.table.lower())
            if upstream is not None:
                refs.add(ColumnRef(upstream.unique_id, upstream.label, column.name.lower()))
        return refs, measures

    columns: dict[str, set[ColumnRef]] = {}
    for dimension in definition.dimensions:
        columns[dimension.name.lower()] = reads(dimension.expr)[0]
    pending = {measure.name: reads(measure.expr) for measure in definition.measures}

    def measure_refs(name: str, seen: tuple[str, ...] = ()) -> set[ColumnRef]:
        refs, measures = pending[name]
        found = set(refs)
        for other in measures:
            if other in pending and other not in seen:
                found |= measure_refs(other, (*seen, name))
        return found

    filtered = reads(definition.filter)[0] if definition.filter else set()
    for name in pending:
        columns[name.lower()] = measure_refs(name) | filtered
    return {name: sorted(refs) for name, refs in columns.items()}


def column_lineage(graph: ProjectGraph) -> ColumnLineage:
    """Lineage of every model and snapshot of the project, upstream first."""
    derived = [
        node
        for node in graph.topological_order()
        if node.resource_type in _DERIVED_TYPES and node.package_name == graph.project_name
    ]
    if derived and not any(node.compiled_code for node in derived):
        # `dbt source freshness`, `parse` and `ls` write manifests without compiled SQL.
        raise ConfigError(
            "The manifest holds no compiled SQL.",
            "Run `dbt compile` or `dbt docs generate` (make docs), then retry.",
        )
    result = ColumnLineage(dialect=graph.dialect, project_name=graph.project_name)
    result.relations = {uid: node.label for uid, node in graph.nodes.items()}
    relations = graph.by_relation()
    for node in derived:
        if not node.compiled_code:
            result.unparsed[node.unique_id] = "no compiled SQL in the manifest"
            continue
        try:
            if node.materialized == "metric_view":
                result.models[node.unique_id] = _metric_view_lineage(graph, relations, node)
            else:
                result.models[node.unique_id] = _model_lineage(graph, relations, node)
        except (*_PARSE_ERRORS, ConfigError) as error:
            result.unparsed[node.unique_id] = f"{type(error).__name__}: {error}"
    return result
