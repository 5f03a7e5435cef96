"""Every dependency of a model is named in the model's own file (docs/ARCHITECTURE.md,
"Lineage in the model file"): hand-made manifests for each case, then the project's."""

from __future__ import annotations

from pathlib import Path

from lakehouse_bi.spec.dbt_manifest import load_manifest
from lakehouse_bi.spec.model_lineage import hidden_parents, visible_parents

PROJECT = Path(__file__).resolve().parents[2]


def _model(name: str, raw_code: str, parents: list[str], package: str = "shop") -> dict:
    return {
        "resource_type": "model",
        "package_name": package,
        "name": name,
        "original_file_path": f"models/{name}.sql",
        "raw_code": raw_code,
        "depends_on": {"nodes": parents},
    }


def _manifest(*models: dict) -> dict:
    nodes = {f"model.{m['package_name']}.{m['name']}": m for m in models}
    sources = {
        "source.shop.landing.orders": {"source_name": "landing", "name": "orders"},
    }
    return {"metadata": {"project_name": "shop"}, "nodes": nodes, "sources": sources}


def test_ref_and_source_calls_in_every_spelling_are_visible():
    refs, sources = visible_parents(
        "select * from {{ ref('a') }} join {{ ref(\"b\") }} join {{ ref('pkg', 'c') }}\n"
        "join {{ ref('d', v=2) }} join {{ source('landing', 'orders') }}"
    )
    assert refs == {"a", "b", "c", "d"}
    assert sources == {("landing", "orders")}


def test_a_parent_read_only_inside_a_macro_is_a_problem_naming_file_and_line_to_add():
    manifest = _manifest(
        _model("base", "select 1", []),
        _model("mart", "{{ per_entity_union() }}", ["model.shop.base"]),
    )
    (problem,) = hidden_parents(manifest)
    assert problem.startswith("models/mart.sql: depends on ref('base')")
    assert "-- depends_on: {{ ref('base') }}" in problem


def test_a_depends_on_line_makes_the_macros_parent_visible():
    manifest = _manifest(
        _model("base", "select 1", []),
        _model("mart", "-- depends_on: {{ ref('base') }}\n{{ per_entity_union() }}",
               ["model.shop.base"]),
    )  # fmt: skip
    assert hidden_parents(manifest) == []


def test_a_source_read_inside_a_macro_is_a_problem_until_the_model_calls_it():
    hidden = _model("bronze_orders", "{{ ingest('orders') }}", ["source.shop.landing.orders"])
    (problem,) = hidden_parents(_manifest(hidden))
    assert "source('landing', 'orders')" in problem
    visible = dict(hidden, raw_code="{{ ingest(source('landing', 'orders')) }}")
    assert hidden_parents(_manifest(visible)) == []


def test_models_of_installed_packages_are_not_checked():
    manifest = _manifest(
        _model("base", "select 1", []),
        _model("package_model", "{{ hidden() }}", ["model.shop.base"], package="elementary"),
    )
    assert hidden_parents(manifest) == []


def test_every_project_model_names_its_parents():
    assert hidden_parents(load_manifest(PROJECT)) == []
