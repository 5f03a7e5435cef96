"""Reads databricks.yml offline: its targets and each target's variable values.

Mirrors what the Databricks CLI does before it runs the bundle's Python code: a variable's
value is, from strongest to weakest, an explicit override (`--var name=value`), the
environment variable ``BUNDLE_VAR_<name>``, the target's ``variables`` block, the variable's
``default``. Source: Databricks bundle docs, "Custom variables" (set a variable's value).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lakehouse_bi.errors import ConfigError

BUNDLE_FILE = "databricks.yml"
ENV_PREFIX = "BUNDLE_VAR_"
# ${var.name}, ${bundle.target}, ${workspace.file_path}, ${resources.jobs.x.id}, ...
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)+)\}")


@dataclass(frozen=True)
class BundleTarget:
    """One target of the bundle, its variables resolved (values may still hold `${...}`)."""

    name: str
    bundle_name: str
    mode: str | None
    variables: dict[str, Any]
    settings: dict[str, Any]  # the target's block as written (mode, run_as, permissions, ...)


def load_bundle_file(project_dir: Path) -> dict[str, Any]:
    """databricks.yml parsed; ConfigError naming the file when missing or not a mapping."""
    path = project_dir / BUNDLE_FILE
    if not path.is_file():
        raise ConfigError(
            f"{path} does not exist.", hint="Run from the project root (where dbt_project.yml is)."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping with bundle, variables and targets.")
    return data


def target_names(bundle: Mapping[str, Any]) -> list[str]:
    """The targets databricks.yml defines, in file order."""
    return list((bundle.get("targets") or {}).keys())


def resolve_target(
    project_dir: Path,
    target: str,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> BundleTarget:
    """Variables of `target` as the CLI would set them (see the module docstring).

    Raises ConfigError for an unknown target (listing the known ones), an override of an
    undeclared variable, or a variable left without any value.
    """
    bundle = load_bundle_file(project_dir)
    targets = bundle.get("targets") or {}
    if target not in targets:
        known = ", ".join(target_names(bundle)) or "none"
        raise ConfigError(
            f"Unknown bundle target '{target}' in {BUNDLE_FILE}.",
            hint=f"Use one of: {known}.",
        )
    environ = os.environ if environ is None else environ
    declared: dict[str, Any] = bundle.get("variables") or {}
    target_block: dict[str, Any] = targets[target] or {}
    target_values: dict[str, Any] = target_block.get("variables") or {}
    for name in [*target_values, *(overrides or {})]:
        if name not in declared:
            raise ConfigError(
                f"Variable '{name}' (target '{target}') is not declared in {BUNDLE_FILE}.",
                hint=f"Declare it or fix the name; declared: {', '.join(declared)}.",
            )
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec or {}
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif ENV_PREFIX + name in environ:
            values[name] = environ[ENV_PREFIX + name]
        elif name in target_values:
            values[name] = target_values[name]
        elif "default" in spec:
            values[name] = spec["default"]
        else:
            raise ConfigError(
                f"Variable '{name}' has no value for target '{target}'.",
                hint=f"Pass --var {name}=<value> or set {ENV_PREFIX}{name}.",
            )
    return BundleTarget(
        name=target,
        bundle_name=str((bundle.get("bundle") or {}).get("name", "")),
        mode=target_block.get("mode"),
        variables=values,
        settings=target_block,
    )


def substitute(value: Any, known: Mapping[str, Any]) -> Any:
    """`value` with every `${path}` in `known` replaced, recursively; others are kept.

    A string that is exactly one reference takes the referenced value's type (a list stays a
    list, 3600 an int), as the CLI does for whole-string references.
    """
    if isinstance(value, dict):
        return {key: substitute(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, known) for item in value]
    if not isinstance(value, str):
        return value
    for _ in range(10):  # values may reference other values (bounded: no cycles)
        whole = REFERENCE.fullmatch(value)
        if whole and whole.group(1) in known:
            value = known[whole.group(1)]
            if not isinstance(value, str):
                return substitute(value, known)
            continue
        replaced = REFERENCE.sub(
            lambda match: str(known[match.group(1)]) if match.group(1) in known else match.group(0),
            value,
        )
        if replaced == value:
            return value
        value = replaced
    return value


def references(value: Any) -> set[str]:
    """Every `${path}` left in `value` (walked recursively)."""
    if isinstance(value, dict):
        return set().union(*(references(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(references(item) for item in value)) if value else set()
    return set(REFERENCE.findall(value)) if isinstance(value, str) else set()
