"""Validate OpenLineage events offline against the spec's JSON schemas shipped in
openlineage_spec/ (OpenLineage.json 2-0-2 and the facet schemas the events use; see its
NOTICE.md). Each facet is checked against the schema its `_schemaURL` names."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC_PACKAGE = "lakehouse_bi.lineage"
SPEC_FOLDER = "openlineage_spec"


@cache
def _registry() -> tuple[Registry, str]:
    root = resources.files(SPEC_PACKAGE) / SPEC_FOLDER
    documents = [json.loads((root / "OpenLineage.json").read_text())]
    documents += [
        json.loads(entry.read_text())
        for entry in (root / "facets").iterdir()
        if entry.name.endswith(".json")
    ]
    registry = Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents
    )
    return registry, documents[0]["$id"]


def _facets(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for where, holder in (("run", event.get("run")), ("job", event.get("job"))):
        for name, facet in ((holder or {}).get("facets") or {}).items():
            found.append((f"{where}.facets.{name}", facet))
    for side in ("inputs", "outputs"):
        for index, dataset in enumerate(event.get(side) or []):
            for kind in ("facets", "inputFacets", "outputFacets"):
                for name, facet in (dataset.get(kind) or {}).items():
                    found.append((f"{side}[{index}].{kind}.{name}", facet))
    return found


def event_problems(event: dict[str, Any]) -> list[str]:
    """Schema violations of one event (as JSON), each with its JSON path; [] when valid.
    A facet whose `_schemaURL` is not shipped is reported, not skipped."""
    registry, core = _registry()
    problems = []
    validator = Draft202012Validator({"$ref": f"{core}#/$defs/RunEvent"}, registry=registry)
    problems += [
        f"{'.'.join(map(str, error.absolute_path)) or '(event)'}: {error.message}"
        for error in validator.iter_errors(event)
    ]
    for where, facet in _facets(event):
        url = facet.get("_schemaURL", "")
        try:
            registry.resolver().lookup(url)
        except Exception:  # referencing raises its own Unresolvable hierarchy
            problems.append(f"{where}: no shipped schema for _schemaURL {url!r}")
            continue
        facet_validator = Draft202012Validator({"$ref": url}, registry=registry)
        problems += [
            f"{where}.{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in facet_validator.iter_errors(facet)
        ]
    return problems
