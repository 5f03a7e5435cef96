"""Policy rules for one node: classifications, masks, row filter, table tags and grants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lakehouse_bi.governance.manifest import Node
from lakehouse_bi.governance.policy import (
    CLASSIFICATIONS,
    DEFAULT_TABLE_CLASSIFICATION,
    MASK_FUNCTIONS,
    PRIVILEGES,
    ROW_FILTER_FUNCTIONS,
    is_plain_identifier,
    sensitivity,
)
from lakehouse_bi.governance.settings import Settings
from lakehouse_bi.governance.violations import Violation


def check_node(node: Node, settings: Settings) -> Iterator[Violation]:
    """The violations of one node's own policy (classifications, masks, table tags, row
    filter, grants, post-hook); rules across nodes are in lineage_checks."""
    yield from _check_columns(node, settings)
    yield from _check_table_tags(node)
    yield from _check_row_filter(node, settings)
    yield from _check_grants(node, settings)
    yield from _check_policy_hook(node)


def _violation(node: Node, key: str, message: str) -> Violation:
    return Violation(node.yaml_file, key, message)


def _check_function(
    node: Node, key: str, reference: Any, known: tuple[str, ...], settings: Settings, noun: str
) -> Iterator[Violation]:
    """A policy function reference: [catalog.]<governance schema>.<known name>."""
    parts = str(reference).split(".")
    if not all(is_plain_identifier(part) for part in parts):
        yield _violation(node, key, f"{reference!r} is not a plain SQL identifier")
        return
    schema = settings.vars.governance_schema
    in_schema = (len(parts) == 2 and parts[0] == schema) or (
        len(parts) == 3 and parts[1] == schema and parts[0] == node.database
    )
    if not in_schema:
        yield _violation(
            node,
            key,
            f"{reference!r} must name a function of the governance schema: {schema}."
            f"<name> (or {node.database}.{schema}.<name>)",
        )
    elif parts[-1] not in known:
        yield _violation(node, key, f"unknown {noun} {parts[-1]!r}; known: {', '.join(known)}")


def _check_columns(node: Node, settings: Settings) -> Iterator[Violation]:
    readers = set(node.grants.get("select", [])) - set(settings.vars.governance_raw_pii_roles)
    for name, column in node.columns.items():
        classification = (column.get("meta") or {}).get("classification")
        column_mask = column.get("column_mask")
        if (classification or column_mask) and not is_plain_identifier(name):
            yield _violation(node, node.key(f"columns[{name}]"), "not a plain SQL identifier")
            continue
        if classification is not None and classification not in CLASSIFICATIONS:
            yield _violation(
                node,
                node.key(f"columns[{name}]", "meta", "classification"),
                f"unknown classification {classification!r}; known: {', '.join(CLASSIFICATIONS)}",
            )
        if column_mask:
            yield from _check_mask(node, name, column_mask, classification, settings)
        elif classification == "pii" and readers:
            yield _violation(
                node,
                node.key(f"columns[{name}]", "column_mask"),
                f"pii column readable by {', '.join(sorted(readers))} (grants.select) without a "
                "mask; add column_mask or restrict grants to vars.governance_raw_pii_roles",
            )


def _check_mask(
    node: Node, name: str, column_mask: Any, classification: Any, settings: Settings
) -> Iterator[Violation]:
    key = node.key(f"columns[{name}]", "column_mask")
    if not isinstance(column_mask, dict) or "function" not in column_mask:
        yield _violation(node, key, "expected {function: <governance schema>.mask_<kind>}")
        return
    yield from _check_function(
        node, f"{key}.function", column_mask["function"], MASK_FUNCTIONS, settings, "mask"
    )
    if column_mask.get("using_columns"):
        yield _violation(
            node, f"{key}.using_columns", "the project's mask functions take one argument"
        )
    if classification not in ("pii", "confidential"):
        yield _violation(
            node,
            node.key(f"columns[{name}]", "meta", "classification"),
            "a masked column is classified pii or confidential",
        )
    if node.built_columns is not None and name.lower() not in node.built_columns:
        yield _violation(
            node,
            key,
            f"column {name} does not exist in the built relation (catalog): a mask "
            "on a missing column is silently skipped by dbt-databricks",
        )


def _check_table_tags(node: Node) -> Iterator[Violation]:
    for tag, value in node.table_tags.items():
        if not (is_plain_identifier(tag) and is_plain_identifier(value)):
            yield _violation(
                node,
                node.key("config", "databricks_tags", str(tag)),
                f"{tag!r}: {value!r} is not a plain SQL identifier",
            )
    table = node.table_tags.get("classification", DEFAULT_TABLE_CLASSIFICATION)
    key = node.key("config", "databricks_tags", "classification")
    if table not in CLASSIFICATIONS:
        yield _violation(node, key, f"unknown classification {table!r}")
        return
    for name, column in node.columns.items():
        classification = (column.get("meta") or {}).get("classification")
        if classification in CLASSIFICATIONS and sensitivity(classification) > sensitivity(table):
            yield _violation(
                node, key, f"{table!r} is less sensitive than column {name} ({classification})"
            )


def _check_row_filter(node: Node, settings: Settings) -> Iterator[Violation]:
    row_filter = node.config.get("row_filter")
    if not row_filter:
        return
    key = node.key("config", "row_filter")
    if not isinstance(row_filter, dict):
        yield _violation(node, key, "expected {function: ..., columns: [...]}")
        return
    if node.materialized in ("view", "metric_view"):
        yield _violation(
            node,
            key,
            f"a {node.materialized.replace('_', ' ')} cannot carry a row filter (Unity "
            "Catalog filters tables; dbt-databricks refuses it): materialize the model as a "
            "table",
        )
    yield from _check_function(
        node,
        f"{key}.function",
        row_filter.get("function"),
        ROW_FILTER_FUNCTIONS,
        settings,
        "row filter",
    )
    columns = row_filter.get("columns") or []
    columns = [columns] if isinstance(columns, str) else list(columns)
    if len(columns) != 1:
        yield _violation(node, f"{key}.columns", "the row filter functions take one column")
    for index, column in enumerate(columns):
        column_key = f"{key}.columns[{index}]"
        if not is_plain_identifier(column):
            yield _violation(node, column_key, f"{column!r} is not a plain SQL identifier")
        elif column not in node.columns:
            yield _violation(
                node, column_key, f"column {column} is not declared in the columns of {node.name}"
            )
        elif node.built_columns is not None and column.lower() not in node.built_columns:
            yield _violation(
                node, column_key, f"column {column} does not exist in the built relation (catalog)"
            )


def _check_grants(node: Node, settings: Settings) -> Iterator[Violation]:
    for privilege, roles in node.grants.items():
        key = node.key("config", "grants", privilege)
        if privilege.lower() not in PRIVILEGES:
            yield _violation(node, key, f"unknown privilege; known: {', '.join(PRIVILEGES)}")
        for role in roles:
            if not is_plain_identifier(role):
                yield _violation(node, key, f"{role!r} is not a plain SQL identifier")
            elif role not in settings.roles:
                yield _violation(
                    node,
                    key,
                    f"unknown group role {role!r} (known: vars.governance_groups: "
                    f"{', '.join(sorted(settings.roles))})",
                )
    table = node.table_tags.get("classification")
    readers = set(node.grants.get("select", [])) - set(settings.vars.governance_raw_pii_roles)
    masked = any(column.get("column_mask") for column in node.columns.values())
    if table == "pii" and readers and not masked:
        yield _violation(
            node,
            node.key("config", "grants", "select"),
            f"table classified pii, readable by {', '.join(sorted(readers))}, masks no column",
        )


POLICY_HOOK = "lakehouse.governance_apply_model_policy"


def has_policy(node: Node) -> bool:
    """True when the node declares what the governance post-hook applies: a column mask, a
    row filter or a column classification (column `meta`)."""
    return bool(node.config.get("row_filter")) or any(
        column.get("column_mask") or (column.get("meta") or {}).get("classification")
        for column in node.columns.values()
    )


def _check_policy_hook(node: Node) -> Iterator[Violation]:
    """The governance post-hook is on exactly the models and snapshots with a policy: without
    it a classification is not tagged and a mask is not checked against the built columns;
    on one without a policy it is noise in every run's log and in `dbt docs`."""
    if node.resource_type not in ("model", "snapshot"):
        return
    hooks = node.config.get("post-hook") or []
    hooked = any(POLICY_HOOK in str(hook.get("sql", hook)) for hook in hooks)
    key = node.key("config", "post_hook")
    if has_policy(node) and not hooked:
        yield _violation(
            node,
            key,
            f"declares a governance policy but not its post-hook; add "
            f'post_hook: "{{{{ {POLICY_HOOK}() }}}}" to its config',
        )
    elif hooked and not has_policy(node):
        yield _violation(
            node, key, f"{POLICY_HOOK}() without a policy (no mask, row filter or "
            "classified column): remove the post-hook",
        )  # fmt: skip
