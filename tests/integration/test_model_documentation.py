"""Every column the built models have is documented: the session pipeline's DuckDB relations
(information_schema) against the manifest of the build, with the model documentation rules
(lakehouse_bi.spec.model_quality) applied to the built columns."""

from __future__ import annotations

import json

from lakehouse_bi.spec.built_columns import duckdb_model_columns
from lakehouse_bi.spec.model_quality import model_problems, project_models


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
