"""The business glossary (glossary.yml): load it, check it against the project's nodes, and
resolve each term's columns to dbt nodes.

A term names its columns as `<node>.<column>`, where node is a model, snapshot or seed of the
project and the column is declared in that node's YAML (seeds: their CSV header), so the
glossary only ever points at documented columns."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from lakehouse_bi.spec.yaml_files import load_yaml

GLOSSARY_FILE = "glossary.yml"
NODE_TYPES = ("model", "snapshot", "seed")
GLOSSARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "terms"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "terms": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "definition", "owner", "domain", "columns"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "definition": {"type": "string", "minLength": 10},
                    "owner": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "domain": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "synonyms": {"type": "array", "items": {"type": "string"}},
                    "columns": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "string",
                            "pattern": r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$",
                        },
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Term:
    name: str
    definition: str
    owner: str
    domain: str
    columns: tuple[str, ...]
    synonyms: tuple[str, ...] = field(default=())

    @property
    def slug(self) -> str:
        """`average order value` -> `average_order_value`: the doc block's suffix."""
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")

    @property
    def doc_block(self) -> str:
        return f"glossary__{self.slug}"


def _schema_key(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def load_glossary(path: Path) -> tuple[list[Term], list[str]]:
    """Terms of `path` and the problems of its structure (each naming file and key); no
    terms when the structure is invalid."""
    data, problems = load_yaml(path)
    if data is None:
        return [], problems
    validator = Draft202012Validator(GLOSSARY_SCHEMA)
    problems = [
        f"{path.name}: {_schema_key(error.absolute_path) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return [], problems
    terms = [
        Term(
            name=raw["name"],
            definition=" ".join(raw["definition"].split()),
            owner=raw["owner"],
            domain=raw["domain"],
            columns=tuple(raw["columns"]),
            synonyms=tuple(raw.get("synonyms") or ()),
        )
        for raw in data["terms"]
    ]
    seen: set[str] = set()
    for index, term in enumerate(terms):
        if term.slug in seen:
            problems.append(f"{path.name}: terms[{index}].name: {term.name!r} is defined twice")
        seen.add(term.slug)
    return terms, problems


def node_columns(manifest: dict[str, Any], project_dir: Path) -> dict[str, tuple[str, set[str]]]:
    """Project node name -> (unique_id, declared column names, lowercased)."""
    project = manifest["metadata"].get("project_name")
    found: dict[str, tuple[str, set[str]]] = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in NODE_TYPES or node.get("package_name") != project:
            continue
        columns = {name.lower() for name in node.get("columns") or {}}
        if node["resource_type"] == "seed" and not columns:
            seed = project_dir / node["original_file_path"]
            if seed.is_file():
                with seed.open(newline="") as handle:
                    columns = {name.strip().lower() for name in next(csv.reader(handle), [])}
        found[node["name"]] = (unique_id, columns)
    return found


def glossary_problems(
    path: Path, manifest: dict[str, Any], project_dir: Path | None = None
) -> list[str]:
    """Structure problems, then every column a term names that the project lacks."""
    terms, problems = load_glossary(path)
    nodes = node_columns(manifest, project_dir or path.parent)
    for t_index, term in enumerate(terms):
        for c_index, reference in enumerate(term.columns):
            node, column = reference.split(".", 1)
            key = f"{path.name}: terms[{t_index}].columns[{c_index}]"
            if node not in nodes:
                problems.append(f"{key}: {reference!r}: no model, snapshot or seed named {node!r}")
            elif column not in nodes[node][1]:
                problems.append(
                    f"{key}: {reference!r}: column {column!r} is not declared in {node}'s YAML "
                    "(declare and describe it there, or fix the name)"
                )
    return problems


def terms_by_column(
    terms: list[Term], manifest: dict[str, Any]
) -> dict[str, dict[str, list[Term]]]:
    """unique_id -> column -> the terms it realises (unknown nodes are skipped)."""
    ids = {name: uid for name, (uid, _) in node_columns(manifest, Path(".")).items()}
    found: dict[str, dict[str, list[Term]]] = {}
    for term in terms:
        for reference in term.columns:
            node, column = reference.split(".", 1)
            if node in ids:
                found.setdefault(ids[node], {}).setdefault(column, []).append(term)
    return found


def spec_problems(project_dir: Path) -> list[str]:
    """glossary.yml against the project parsed by dbt, and its rendered doc blocks in step."""
    from lakehouse_bi.glossary.docs import stale_docs_problem
    from lakehouse_bi.spec.dbt_manifest import load_manifest

    path = project_dir / GLOSSARY_FILE
    if not path.is_file():
        return [f"{GLOSSARY_FILE}: missing (the business glossary, docs/CATALOG.md)"]
    structure = load_glossary(path)[1]
    if structure:
        return structure
    problems = glossary_problems(path, load_manifest(project_dir, "prod"), project_dir)
    stale = stale_docs_problem(project_dir)
    return problems + ([stale] if stale else [])
