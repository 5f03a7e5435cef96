"""Every column the built models have is documented: the session pipeline's DuckDB relations
(information_schema) against the manifest of the build, with the model documentation rules
(lakehouse_bi.spec.model_quality) applied to the built columns; and that build leaves
dbt_project_evaluator out."""

from __future__ import annotations

import json

from lakehouse_bi.spec.built_columns import duckdb_model_columns
from lakehouse_bi.spec.model_quality import model_problems, project_models
from lakehouse_bi.spec.project_evaluator import EXCEPTIONS_SEED, PACKAGE


def test_every_built_column_of_every_model_is_documented(pipeline):
    manifest = json.loads((pipeline.target / "manifest.json").read_text())
    built = duckdb_model_columns(pipeline.database, manifest)
    models = {node["name"] for node in project_models(manifest)}
    # Every project model was built (none left out of the comparison).
    assert set(built) == models, f"models not found in DuckDB: {sorted(models - set(built))}"
    assert sum(len(columns) for columns in built.values()) > 10 * len(models)
    # Each problem names the model, its YAML file and the column to document.
    problems = model_problems(manifest, built)
    assert not problems, "Model documentation problems:\n  " + "\n  ".join(problems)


def test_the_pipeline_build_neither_builds_nor_tests_the_evaluator(pipeline):
    """`dbt build` (the demo's, the jobs') leaves dbt_project_evaluator's models, tests and
    exceptions seed disabled: nothing of it in the build's graph or in the warehouse."""
    manifest = json.loads((pipeline.target / "manifest.json").read_text())
    enabled = [
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if (node["package_name"] == PACKAGE or node["name"] == EXCEPTIONS_SEED)
        and node["config"].get("enabled", True)
    ]
    assert enabled == []
    disabled = {entry[0]["unique_id"] for entry in manifest["disabled"].values()}
    assert f"model.{PACKAGE}.int_all_graph_resources" in disabled
    relations = pipeline.query(
        "select table_name from information_schema.tables "
        "where table_name in ('int_all_graph_resources', 'fct_undocumented_models', "
        f"'{EXCEPTIONS_SEED}')"
    )
    assert relations == []
