"""Every widget of resources/dashboards/*.lvdash.json against the shape of real Databricks
exports (tests/fixtures/lvdash_export_shape.json): spec version and keys per widget type,
encodings, tables that show rows (disaggregated, no aggregate), filters with a field query so
their dropdowns get values, text boxes whose lines end in a newline."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

PROJECT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((PROJECT / "tests/fixtures/lvdash_export_shape.json").read_text())
DASHBOARDS = sorted((PROJECT / "resources/dashboards").glob("*.lvdash.json"))


def _aggregates(expression: str) -> bool:
    return sqlglot.parse_one(expression, read="databricks").find(exp.AggFunc) is not None


def _field_query_problems(at: str, widget: dict, spec: dict) -> list[str]:
    shape = REFERENCE["field_query"]
    problems = []
    queries = {q["name"]: q["query"] for q in widget.get("queries", [])}
    encoded = spec.get("encodings", {}).get("fields", [])
    field_queries = [f for f in encoded if "fieldName" in f]
    if not field_queries:
        problems.append(f"{at}: no field query (the dropdown or picker gets no values)")
    for field in field_queries:
        query = queries.get(field.get("queryName"))
        if query is None:
            problems.append(f"{at}: field {field['fieldName']!r} names unknown query")
            continue
        names = [f["name"] for f in query.get("fields", [])]
        expected = [n.replace("<field>", field["fieldName"]) for n in shape["fields"]]
        if names != expected:
            problems.append(f"{at}: field query fields {names}, expected {expected}")
        expressions = {f["name"]: f["expression"] for f in query.get("fields", [])}
        if expressions.get(expected[-1]) != shape["associativity_expression"]:
            problems.append(f"{at}: {expected[-1]} is not {shape['associativity_expression']}")
        if query.get("disaggregated") is not shape["disaggregated"]:
            problems.append(f"{at}: field query disaggregated should be {shape['disaggregated']}")
    for name, query in queries.items():
        if query.get("parameters") and not any(
            f.get("queryName") == name and "parameterName" in f for f in encoded
        ):
            problems.append(f"{at}: parameter query {name!r} is not in encodings.fields")
    return problems


def shape_problems(document: dict, where: str) -> list[str]:
    """Every difference between the document's widgets and the reference export shape."""
    problems = []
    for page in document["pages"]:
        for item in page["layout"]:
            widget = item["widget"]
            at = f"{where}: widget {widget['name']!r}"
            if REFERENCE["text"]["key"] in widget:
                text = widget[REFERENCE["text"]["key"]]
                if sorted(text) != REFERENCE["text"]["keys"]:
                    problems.append(f"{at}: text keys {sorted(text)}")
                lines = text.get("lines", [])
                if len(lines) < 2 or not all(line.endswith("\n") for line in lines[:-1]):
                    problems.append(f"{at}: text lines must end in a newline (but the last)")
                continue
            spec = widget.get("spec") or {}
            kind = spec.get("widgetType")
            shape = REFERENCE["widgets"].get(kind)
            if shape is None:
                problems.append(f"{at}: widget type {kind!r} has no reference shape")
                continue
            if spec.get("version") != shape["version"]:
                problems.append(
                    f"{at}: {kind} spec version {spec.get('version')}, exports use "
                    f"{shape['version']}"
                )
            keys = set(spec)
            required, optional = set(shape["spec"]["required"]), set(shape["spec"]["optional"])
            if not required <= keys or not keys <= required | optional:
                problems.append(f"{at}: spec keys {sorted(keys)}")
            for channel, encoding in spec.get("encodings", {}).items():
                allowed = shape["encodings"].get(channel)
                if allowed is None:
                    problems.append(f"{at}: encoding {channel!r} is not a {kind} encoding")
                    continue
                for entry in encoding if isinstance(encoding, list) else [encoding]:
                    extra = set(entry) - set(allowed)
                    if extra:
                        problems.append(f"{at}: encodings.{channel} keys {sorted(extra)}")
            query_shape = shape["query"]
            for query in widget.get("queries", []):
                body = query["query"]
                allowed = query_shape.get("disaggregated")
                if allowed is not None and body.get("disaggregated") not in allowed:
                    problems.append(f"{at}: disaggregated {body.get('disaggregated')}")
                if query_shape.get("aggregates") is False and any(
                    _aggregates(f["expression"]) for f in body.get("fields", [])
                ):
                    problems.append(f"{at}: a {kind} aggregates (exported tables show rows)")
            if query_shape.get("field_query"):
                problems += _field_query_problems(at, widget, spec)
    return problems


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_widget_has_the_exported_shape(path):
    assert shape_problems(json.loads(path.read_text()), path.name) == []


def test_the_reference_covers_every_widget_type_used():
    used = {
        item["widget"].get("spec", {}).get("widgetType")
        for path in DASHBOARDS
        for page in json.loads(path.read_text())["pages"]
        for item in page["layout"]
    } - {None}
    assert used <= set(REFERENCE["widgets"])
    assert {"table", "filter-single-select", "filter-date-range-picker", "counter"} <= used


def _widget(document: dict, name: str) -> dict:
    return next(
        item["widget"]
        for page in document["pages"]
        for item in page["layout"]
        if item["widget"]["name"] == name
    )


def test_each_deviation_from_the_export_shape_is_reported():
    """What issue 20 found in the files before: an aggregating table declared version 1, text
    lines without their newline, a single-select and a date picker without a field query."""
    document = json.loads((PROJECT / "resources/dashboards/sales_overview.lvdash.json").read_text())
    broken = copy.deepcopy(document)
    table = _widget(broken, "sales_by_country")
    table["spec"]["version"] = 1
    table["queries"][0]["query"]["fields"][3]["expression"] = "SUM(`revenue`)"
    table["queries"][0]["query"]["disaggregated"] = False
    title = _widget(broken, "title")
    title["multilineTextboxSpec"]["lines"] = ["# Sales Overview", "Revenue per day."]
    for name in ("filter_country", "filter_date_range"):
        widget = _widget(broken, name)
        widget["queries"] = [q for q in widget["queries"] if "parameters" in q["query"]]
        widget["spec"]["encodings"]["fields"] = [
            f for f in widget["spec"]["encodings"]["fields"] if "parameterName" in f
        ]
    problems = shape_problems(broken, "x")
    assert "x: widget 'sales_by_country': table spec version 1, exports use 2" in problems
    assert "x: widget 'sales_by_country': a table aggregates (exported tables show rows)" in (
        problems
    )
    assert "x: widget 'sales_by_country': disaggregated False" in problems
    assert "x: widget 'title': text lines must end in a newline (but the last)" in problems
    for name in ("filter_country", "filter_date_range"):
        assert (
            f"x: widget {name!r}: no field query (the dropdown or picker gets no values)"
            in problems
        )
    assert len(problems) == 6, problems
