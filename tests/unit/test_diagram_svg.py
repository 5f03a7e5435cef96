"""The architecture image (docs/diagrams/model_lineage.svg): well-formed SVG with the same
nodes and edges as the Mermaid diagram, both generated from the manifest."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from lakehouse_bi.lineage.diagram import _node_id, mermaid_model_lineage
from lakehouse_bi.lineage.diagram_svg import svg_model_lineage
from lakehouse_bi.lineage.project_graph import ProjectGraph

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def _svg_graph(text: str) -> tuple[set[str], set[tuple[str, str]], dict[str, float]]:
    root = ET.fromstring(text.split("\n", 1)[1])  # past the XML declaration
    nodes, x = set(), {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            nodes.add(group.get("data-id"))
            x[group.get("data-id")] = float(group.find(f"{SVG}rect").get("x"))
    edges = {
        (path.get("data-from"), path.get("data-to"))
        for path in root.iter(f"{SVG}path")
        if path.get("class") == "edge"
    }
    return nodes, edges, x


def _mermaid_graph(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = set(re.findall(r"^        (\w+)[\[(]", text, re.M))
    edges = set(re.findall(r"^    (\w+) --> (\w+)$", text, re.M))
    return nodes, edges


def test_committed_image_matches_the_committed_mermaid_diagram():
    nodes, edges, _ = _svg_graph((ROOT / "docs/diagrams/model_lineage.svg").read_text())
    m_nodes, m_edges = _mermaid_graph((ROOT / "docs/diagrams/model_lineage.md").read_text())
    assert len(nodes) > 40
    assert {_node_id(uid) for uid in nodes} == m_nodes
    assert {(_node_id(a), _node_id(b)) for a, b in edges} == m_edges


def _manifest(tmp_path: Path) -> Path:
    def node(kind, name, schema, deps=()):
        return {"resource_type": kind, "package_name": "shop", "name": name, "alias": name,
                "database": "wh", "schema": schema, "depends_on": {"nodes": list(deps)},
                "compiled_code": None, "identifier": name, "columns": {}}  # fmt: skip

    manifest = {
        "metadata": {"adapter_type": "duckdb", "project_name": "shop"},
        "sources": {"source.shop.landing.orders": node("source", "orders", "landing")},
        "nodes": {
            "model.shop.bronze_orders": node("model", "bronze_orders", "bronze",
                                             ["source.shop.landing.orders"]),
            "model.shop.fct": node("model", "fct", "gold", ["model.shop.stg"]),
            "model.shop.stg": node("model", "stg", "silver", ["model.shop.bronze_orders"]),
            "test.shop.t": node("test", "t", "gold", ["model.shop.fct"]),
        },
    }  # fmt: skip
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_layers_flow_left_to_right_and_tests_are_left_out(tmp_path):
    graph = ProjectGraph.load(_manifest(tmp_path))
    text = svg_model_lineage(graph)
    nodes, edges, x = _svg_graph(text)
    assert nodes == {"source.shop.landing.orders", "model.shop.bronze_orders",
                     "model.shop.stg", "model.shop.fct"}  # fmt: skip
    for parent, child in edges:
        assert x[parent] < x[child]
    assert len(edges) == 3
    assert _mermaid_graph(mermaid_model_lineage(graph))[1] == {
        (_node_id(a), _node_id(b)) for a, b in edges
    }
    assert svg_model_lineage(graph) == text  # deterministic
