"""Model documentation, grain and access rules (docs/ARCHITECTURE.md, "Documentation, grain
and access rules") that dbt Labs' project evaluator has no rule for, as a spec check over a
dbt manifest. The evaluator (lakehouse_bi.spec.project_evaluator, `lakehouse-bi models
evaluate`) checks model descriptions, a primary-key test per model, naming, folders and the
DAG; this module checks, for every model of the project:
- a description on every column (the columns the built relation has when they are given,
  else the columns its YAML declares), every built column declared and every declared one
  built (the evaluator only counts the described columns of public models);
- its grain in `config.meta.grain` (a list of column names) and a uniqueness test on exactly
  those columns (`unique` for one column, `dbt_utils.unique_combination_of_columns` for
  several), neither filtered by `where` nor downgraded to `severity: warn` (the evaluator
  only asks for some primary-key test, on any column);
- a `group` and an explicit `access` (private, protected or public).

A metric view (`materialized: metric_view`) has no grain and no columns of its own: every
query picks its grouping, and its dimensions and measures are declared -- with a `comment`
each, which Unity Catalog and Genie show -- in its YAML body. So instead of the grain and the
column rules it must declare no `columns:` in the models YAML and comment every dimension
and measure of its body.

The functions are pure over the manifest dict dbt writes (`manifest.json`, schema v12) and,
optionally, the built columns `{model_name: [column, ...]}` read from the warehouse."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from lakehouse_bi.spec.dbt_manifest import load_manifest

GRAIN_TESTS = {("unique", None), ("unique_combination_of_columns", "dbt_utils")}
ACCESS_LEVELS = ("private", "protected", "public")

BuiltColumns = Mapping[str, Iterable[str]]


@dataclass(frozen=True)
class QualityCounts:
    """How far the project's models follow the rules; `columns` counts built columns when
    they were given, else declared ones; a tested column is one a data test of its model
    names (column tests, and the columns of multi-column tests such as the grain's)."""

    models: int
    models_described: int
    columns: int
    documented_columns: int
    tested_columns: int
    contracted_models: int
    models_with_uniqueness_test: int
    grain_tested_models: int
    models_with_group_and_access: int
    built: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def project_models(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The project's own models (not those of installed packages), sorted by name."""
    project = manifest["metadata"].get("project_name")
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == project
    ]
    return sorted(models, key=lambda node: node["name"])


def yaml_file(node: Mapping[str, Any]) -> str:
    """The YAML file that documents the model (`patch_path` without its `project://`
    prefix), else the folder's `_<folder>__models.yml` it belongs in."""
    patch_path = node.get("patch_path")
    if patch_path:
        return patch_path.split("://", 1)[-1]
    folder = Path(node["original_file_path"]).parent
    return f"{folder}/_{folder.name}__models.yml (create it beside the model's SQL)"


def _tests_by_model(manifest: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    tests: dict[str, list[dict[str, Any]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        attached = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
        if attached:
            tests.setdefault(attached, []).append(node)
    return tests


def _uniqueness_columns(test: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The columns a uniqueness test makes unique (sorted), or None for any other test."""
    metadata = test["test_metadata"]
    if (metadata["name"], metadata.get("namespace")) not in GRAIN_TESTS:
        return None
    kwargs = metadata.get("kwargs", {})
    if metadata["name"] == "unique":
        column = kwargs.get("column_name") or test.get("column_name")
        return (column,) if column else None
    return tuple(sorted(kwargs.get("combination_of_columns") or ()))


def _tested_columns(test: Mapping[str, Any]) -> set[str]:
    """The columns a data test names: its column, or the columns a multi-column test
    (unique_combination_of_columns, column pair comparisons) takes as arguments."""
    kwargs = test["test_metadata"].get("kwargs", {})
    names = {test.get("column_name"), kwargs.get("column_name"), kwargs.get("column_A"),
             kwargs.get("column_B"), *(kwargs.get("combination_of_columns") or ())}  # fmt: skip
    return {str(name).lower() for name in names if isinstance(name, str) and name}


def _covers_whole_table(test: Mapping[str, Any]) -> bool:
    config = test.get("config", {})
    return not config.get("where") and str(config.get("severity", "error")).lower() == "error"


def declared_grain(node: Mapping[str, Any]) -> list[str] | None:
    """`config.meta.grain` of the model, or None when not a non-empty list of names."""
    grain = (node.get("config", {}).get("meta") or {}).get("grain")
    if isinstance(grain, list) and grain and all(isinstance(c, str) and c for c in grain):
        return grain
    return None


def _has_explicit_access(node: Mapping[str, Any]) -> bool:
    # dbt fills `access` with "protected" when nothing sets it: only a configured value counts.
    configured = node.get("unrendered_config", {}).get("access")
    return configured in ACCESS_LEVELS


def is_metric_view(node: Mapping[str, Any]) -> bool:
    """True for a model materialized as a metric view (dbt-databricks' `metric_view`)."""
    return node.get("config", {}).get("materialized") == "metric_view"


_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_JINJA_BLOCK = re.compile(r"\{%.*?%\}", re.DOTALL)
_JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def _metric_view_body(raw_code: str) -> Any:
    """A metric view model's YAML body without its Jinja: expressions that are a key's value
    become a placeholder string, other expressions ({{ config(...) }}) and tags disappear
    (both branches of an `if` stay). None when the rest is not YAML."""

    def expression(match: re.Match) -> str:
        line = match.string[: match.start()].rsplit("\n", 1)[-1]
        return '"jinja"' if line.rstrip().endswith(":") else ""

    text = _JINJA_EXPRESSION.sub(expression, _JINJA_BLOCK.sub("", _JINJA_COMMENT.sub("", raw_code)))
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _metric_view_problems(prefix: str, node: Mapping[str, Any]) -> list[str]:
    problems = []
    if node.get("columns"):
        problems.append(
            f"{prefix}: a metric view declares its dimensions and measures in its YAML body; "
            "remove `columns:` from the models YAML (each field's `comment` documents it)."
        )
    body = _metric_view_body(node.get("raw_code") or "")
    if not isinstance(body, dict):
        return [*problems, f"{prefix}: its body is not a metric view's YAML (version, source...)."]
    for section in ("dimensions", "measures"):
        for item in body.get(section) or []:
            if isinstance(item, dict) and not str(item.get("comment") or "").strip():
                problems.append(
                    f"{prefix}: add a `comment` to {section[:-1]} {item.get('name')!r} in "
                    f"{node.get('original_file_path')}."
                )
    return problems


def _columns_of(node: Mapping[str, Any], built: BuiltColumns | None) -> list[str]:
    if is_metric_view(node):
        return []
    if built is not None and node["name"] in built:
        return [column.lower() for column in built[node["name"]]]
    return [name.lower() for name in node.get("columns", {})]


def _declared(node: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {name.lower(): column for name, column in node.get("columns", {}).items()}


def model_problems(manifest: Mapping[str, Any], built: BuiltColumns | None = None) -> list[str]:
    """Every rule of this module a project model breaks, one problem each naming the model, its
    YAML file and what to add. `built` (model name -> relation columns) also checks that every
    built column is declared and every declared column exists. (A model without a description
    is dbt_project_evaluator's fct_undocumented_models.)"""
    tests = _tests_by_model(manifest)
    problems: list[str] = []
    for node in project_models(manifest):
        name, where = node["name"], yaml_file(node)
        prefix = f"model {name} ({where})"
        declared = _declared(node)
        for column in _columns_of(node, built):
            entry = declared.get(column)
            if entry is None:
                problems.append(
                    f"{prefix}: column {column} is built but not declared; add it under "
                    "`columns:` with a description (a doc block for a shared column)."
                )
            elif not (entry.get("description") or "").strip():
                problems.append(f"{prefix}: add a `description` to column {column}.")
        if is_metric_view(node):
            problems.extend(_metric_view_problems(prefix, node))
        elif built is not None and name in built:
            relation = {column.lower() for column in built[name]}
            for column in sorted(set(declared) - relation):
                problems.append(
                    f"{prefix}: column {column} is declared but the built relation has no such "
                    "column; remove it or fix its name."
                )
        problems.extend(_grain_problems(prefix, node, tests.get(node["unique_id"], [])))
        if not node.get("group"):
            problems.append(f"{prefix}: add `group` to the model's config (models/_groups.yml).")
        if not _has_explicit_access(node):
            problems.append(
                f"{prefix}: set `access` (private, protected or public) in the model's config."
            )
    return problems


def _grain_problems(prefix: str, node: Mapping[str, Any], tests: list[dict[str, Any]]) -> list[str]:
    if is_metric_view(node):
        return []  # no grain: each query chooses its grouping
    grain = declared_grain(node)
    if grain is None:
        return [
            f"{prefix}: state the grain in `config.meta.grain` (a list of the columns that "
            "identify a row) and test it for uniqueness."
        ]
    problems = []
    missing = sorted(set(c.lower() for c in grain) - set(_declared(node)))
    if missing:
        problems.append(
            f"{prefix}: grain column(s) {', '.join(missing)} are not declared under `columns:`."
        )
    wanted = tuple(sorted(grain))
    if not any(_uniqueness_columns(t) == wanted and _covers_whole_table(t) for t in tests):
        kind = (
            f"`unique` on column {grain[0]}"
            if len(grain) == 1
            else f"`dbt_utils.unique_combination_of_columns` on [{', '.join(grain)}]"
        )
        problems.append(
            f"{prefix}: add a data test {kind} (no `where`, severity error): the grain's test."
        )
    return problems


def quality_counts(manifest: Mapping[str, Any], built: BuiltColumns | None = None) -> QualityCounts:
    """The counts `lakehouse-bi models report` prints (see QualityCounts)."""
    tests = _tests_by_model(manifest)
    models = project_models(manifest)
    columns = documented = tested = 0
    described = contracted = unique_tested = grain_tested = governed = 0
    for node in models:
        declared = _declared(node)
        own_tests = tests.get(node["unique_id"], [])
        tested_names = set().union(*(_tested_columns(t) for t in own_tests))
        for column in _columns_of(node, built):
            columns += 1
            entry = declared.get(column)
            documented += bool(entry and (entry.get("description") or "").strip())
            tested += column in tested_names
        described += bool((node.get("description") or "").strip())
        contracted += bool(node.get("contract", {}).get("enforced"))
        unique_tested += any(_uniqueness_columns(t) and _covers_whole_table(t) for t in own_tests)
        grain_tested += not _grain_problems("", node, own_tests)
        governed += bool(node.get("group")) and _has_explicit_access(node)
    return QualityCounts(
        models=len(models),
        models_described=described,
        columns=columns,
        documented_columns=documented,
        tested_columns=tested,
        contracted_models=contracted,
        models_with_uniqueness_test=unique_tested,
        grain_tested_models=grain_tested,
        models_with_group_and_access=governed,
        built=built is not None,
    )


def spec_problems(project_dir: Path) -> list[str]:
    """The rules above on the project parsed for the prod target (declared columns; the
    integration test tests/integration/test_model_documentation.py checks built ones)."""
    return model_problems(load_manifest(project_dir, "prod"))
