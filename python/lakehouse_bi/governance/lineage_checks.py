"""Policy rules across relations, through lineage.

Classification follows the data: a column computed from a `pii` (or `confidential`) column
holds that data too, so it must be classified itself (or masked): the validator derives each
column's classification from the column lineage of the compiled SQL
(`lakehouse_bi.lineage.columns`), starting at the classified columns of sources, models,
snapshots and seeds. A relation whose SQL cannot be traced column by column is judged at the
relation level: reading a relation that holds classified columns makes the whole relation
that sensitive until its YAML says otherwise.

Row filters follow the rows: a table built from a row-filtered relation is written by the
deploying identity and read by its grantees, so without a row filter of its own it would
hand them the rows of every country. A view is read through the filter of what it reads.

Messages name relations and columns only, never data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from lakehouse_bi.governance.manifest import Node
from lakehouse_bi.governance.policy import (
    CLASSIFICATIONS,
    DEFAULT_TABLE_CLASSIFICATION,
    sensitivity,
)
from lakehouse_bi.governance.settings import Settings
from lakehouse_bi.governance.violations import Violation
from lakehouse_bi.lineage.columns import ColumnLineage, column_lineage
from lakehouse_bi.lineage.project_graph import ProjectGraph
from lakehouse_bi.ops.manifest import read_manifest_json

# Classifications that travel with the data: what is computed from them holds them.
SENSITIVE = ("confidential", "pii")
# Materializations that hold no rows of their own: read, they read their parents (a metric
# view too: Unity Catalog evaluates its source's row filter for the invoking user).
PASS_THROUGH = ("view", "ephemeral", "metric_view")
WILDCARD = "*"

ColumnKey = tuple[str, str]  # (unique_id, column name lowercased)


@dataclass(frozen=True)
class Derived:
    """A column's classification as lineage derives it: `level`, read from `upstream` (a
    column of a parent), whose chain starts at the classified column `origin`."""

    level: str
    upstream: ColumnKey
    origin: ColumnKey


@dataclass(frozen=True)
class LineageSource:
    """Column lineage for the checks, or why there is none (`lineage` None, `reason` set).
    `relation_level` False skips the rule where there is none (the failure to derive it is
    reported on its own) instead of judging every relation at the relation level."""

    lineage: ColumnLineage | None
    reason: str = ""
    relation_level: bool = True


def has_compiled_sql(manifest_path: Path) -> bool:
    """True when the manifest holds compiled SQL for a model or snapshot of its project
    (`dbt compile`, `dbt build`, `dbt docs generate` write it; `dbt parse` does not).
    Raises ConfigError naming --manifest when the file is not readable JSON."""
    manifest = read_manifest_json(manifest_path, "--manifest")
    metadata, nodes = manifest.get("metadata"), manifest.get("nodes")
    if not (isinstance(metadata, dict) and isinstance(nodes, dict)):
        return False
    project = metadata.get("project_name")
    return any(
        isinstance(node, dict)
        and node.get("compiled_code")
        and node.get("resource_type") in ("model", "snapshot")
        and node.get("package_name") == project
        for node in nodes.values()
    )


def lineage_from_manifest(manifest_path: Path) -> LineageSource:
    """Column lineage of every model and snapshot of a manifest with compiled SQL, or a
    LineageSource saying why there is none. Raises ConfigError for an unreadable file."""
    if not has_compiled_sql(manifest_path):
        return LineageSource(None, f"{manifest_path.name} holds no compiled SQL")
    return LineageSource(column_lineage(ProjectGraph.load(manifest_path)))


def check_classification_lineage(
    nodes: list[Node], sources: list[Node], source: LineageSource
) -> Iterator[Violation]:
    """Every column of a model or snapshot computed from a pii or confidential column must
    carry its own `meta.classification` (or a mask, which needs one): a violation names the
    relation and column, the upstream column it reads and the classified column that chain
    starts at. A declared classification is the column's, also below its upstream's (a flag
    or reason code computed from an e-mail address holds no address): that is a reviewed
    decision in the YAML. Where the column lineage of a relation is unknown (no compiled
    SQL, SQL the parser cannot read, a relation the lineage manifest lacks), the relation
    must be classified at least as its most sensitive parent column; the message says that
    the check fell back to the relation level and why."""
    if source.lineage is None and not source.relation_level:
        return
    by_id = {node.unique_id: node for node in [*sources, *nodes]}
    declared: dict[ColumnKey, str] = {}
    for node in by_id.values():
        for name, column in node.columns.items():
            level = (column.get("meta") or {}).get("classification")
            if level in CLASSIFICATIONS:
                declared[(node.unique_id, name.lower())] = level
    derived: dict[ColumnKey, Derived] = {}
    lineage = source.lineage
    for node in _upstream_first(nodes):
        if node.resource_type not in ("model", "snapshot"):
            continue
        columns = lineage.models.get(node.unique_id) if lineage else None
        if columns is None:
            why = _untraced_reason(node, source)
            yield from _relation_level(node, by_id, declared, derived, why)
            continue
        for column, refs in sorted(columns.items()):
            found = _most_sensitive(
                ((ref.unique_id, ref.column) for ref in refs), declared, derived
            )
            if found is None:
                continue
            level, upstream = found
            if (node.unique_id, column) in declared:
                continue
            origin = derived[upstream].origin if upstream in derived else upstream
            derived[(node.unique_id, column)] = Derived(level, upstream, origin)
            yield Violation(
                node.yaml_file,
                node.key(f"columns[{column}]", "meta", "classification"),
                f"column lineage: reads {_column_label(upstream, by_id)} "
                f"({_how(upstream, declared, derived, by_id)}), so it holds {level} data, but "
                f"has no classification; add meta: {{classification: {level}}} (and a "
                "column_mask if roles outside vars.governance_raw_pii_roles read it), or a "
                "lower level only if it keeps none of the value (a flag, a reason code)",
            )


def check_row_filter_lineage(nodes: list[Node], settings: Settings) -> Iterator[Violation]:
    """A relation that stores rows read from a row-filtered relation (through views and
    ephemeral models) and is readable by a role region_access does not grant every country
    ('*') must declare a row filter itself. Views and metric views are exempt: Unity Catalog
    applies the parent's row filter, as the reader, whenever their query fetches the
    parent's rows."""
    by_id = {node.unique_id: node for node in nodes}
    all_countries = {
        row.values.get("role")
        for row in settings.region_access
        if row.values.get("country_code") == WILDCARD
    }
    for node in nodes:
        if node.materialized in PASS_THROUGH or node.config.get("row_filter"):
            continue
        readers = set(node.grants.get("select", [])) - all_countries
        filtered = _row_filtered_parents(node, by_id)
        if not (readers and filtered):
            continue
        parent = filtered[0]
        row_filter = parent.config["row_filter"]
        function = str(row_filter.get("function", "")).rsplit(".", 1)[-1]
        columns = row_filter.get("columns") or []
        columns = ", ".join([columns] if isinstance(columns, str) else columns)
        yield Violation(
            node.yaml_file,
            node.key("config", "row_filter"),
            f"stores rows of {parent.label} (row filter {function} on {columns}) as a "
            f"{node.materialized} without a row filter: {', '.join(sorted(readers))} "
            "(grants.select) would read the rows of every country; add row_filter on the "
            "column that carries the country, keep it a view (read through the parent's "
            "filter), or grant it only to roles region_access gives '*'",
        )


def _upstream_first(nodes: list[Node]) -> list[Node]:
    by_id = {node.unique_id: node for node in nodes}
    graph = {
        node.unique_id: [parent for parent in node.depends_on if parent in by_id] for node in nodes
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError:  # dbt refuses cycles; a hand-made manifest keeps its order
        order = list(graph)
    return [by_id[unique_id] for unique_id in order]


def _most_sensitive(
    keys: Iterable[ColumnKey], declared: dict[ColumnKey, str], derived: dict[ColumnKey, Derived]
) -> tuple[str, ColumnKey] | None:
    """The most sensitive pii / confidential level among `keys` and the first column with it."""
    best: tuple[str, ColumnKey] | None = None
    for key in sorted(keys):
        level = declared.get(key) or (derived[key].level if key in derived else None)
        if level in SENSITIVE and (best is None or sensitivity(level) > sensitivity(best[0])):
            best = (level, key)
    return best


def _relation_level(
    node: Node,
    by_id: dict[str, Node],
    declared: dict[ColumnKey, str],
    derived: dict[ColumnKey, Derived],
    why: str,
) -> Iterator[Violation]:
    parent_columns = [key for key in [*declared, *derived] if key[0] in node.depends_on]
    found = _most_sensitive(parent_columns, declared, derived)
    if found is None:
        return
    level, upstream = found
    table = node.table_tags.get("classification", DEFAULT_TABLE_CLASSIFICATION)
    if table in CLASSIFICATIONS and sensitivity(table) >= sensitivity(level):
        return
    yield Violation(
        node.yaml_file,
        node.key("config", "databricks_tags", "classification"),
        f"relation-level lineage (its columns cannot be traced: {why}): reads "
        f"{_column_label(upstream, by_id)} ({_how(upstream, declared, derived, by_id)}), so "
        f"it may hold {level} data but is classified {table!r}; set databricks_tags: "
        f"{{classification: {level}}} and classify each column that carries it",
    )


def _untraced_reason(node: Node, source: LineageSource) -> str:
    if source.lineage is None:
        return source.reason or "no column lineage"
    if node.unique_id in source.lineage.unparsed:
        return f"its compiled SQL could not be parsed ({source.lineage.unparsed[node.unique_id]})"
    return "the lineage manifest does not hold it"


def _row_filtered_parents(node: Node, by_id: dict[str, Node]) -> list[Node]:
    """Row-filtered relations whose rows `node` reads, looking through views and ephemeral
    models without a filter of their own."""
    found: list[Node] = []
    seen: set[str] = set()
    pending = list(node.depends_on)
    while pending:
        unique_id = pending.pop(0)
        parent = by_id.get(unique_id)
        if parent is None or unique_id in seen:
            continue
        seen.add(unique_id)
        if parent.config.get("row_filter"):
            found.append(parent)
        elif parent.materialized in PASS_THROUGH:
            pending.extend(parent.depends_on)
    return found


def _column_label(key: ColumnKey, by_id: dict[str, Node]) -> str:
    node = by_id.get(key[0])
    return f"{node.label}.{key[1]}" if node else f"{key[0]}.{key[1]}"


def _how(
    key: ColumnKey,
    declared: dict[ColumnKey, str],
    derived: dict[ColumnKey, Derived],
    by_id: dict[str, Node],
) -> str:
    if key in declared:
        return f"classified {declared[key]}"
    found = derived[key]
    return f"itself unclassified, {found.level} from {_column_label(found.origin, by_id)}"
