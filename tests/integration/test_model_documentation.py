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
    undocumented = []
    for node in project_models(manifest):
        declared = {name.lower(): column for name, column in node["columns"].items()}
        for column in built[node["name"]]:
            entry = declared.get(column.lower())
            if entry is None or not (entry.get("description") or "").strip():
                where = (node.get("patch_path") or node["original_file_path"]).split("://")[-1]
                undocumented.append(f"{node['name']}.{column} ({where})")
    assert not undocumented, "Undocumented built columns:\n  " + "\n  ".join(undocumented)
    assert model_problems(manifest, built) == []
