"""The columns each project model's built relation has in a DuckDB warehouse (the local
target), for the documentation check of built columns. Read with the same information_schema
query `ops validate-deployment` uses (lakehouse_bi.ops.deployment.deployed_columns)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lakehouse_bi.ops.deployment import deployed_columns, expected_models
from lakehouse_bi.ops.manifest import Manifest
from lakehouse_bi.ops.warehouse import connect_duckdb
from lakehouse_bi.spec.model_quality import project_models


def duckdb_model_columns(database: Path, manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """model name -> its relation's columns (lower-cased, in table order), for every project
    model of the manifest found in the database; models not built there are left out.
    Relations are matched by schema and alias only, so a manifest parsed with another DuckDB
    path (another catalog name) still finds them. Raises ConfigError when the database file
    does not exist."""
    names = {node["name"] for node in project_models(manifest)}
    models = [
        dataclasses.replace(model, database=None)
        for model in expected_models(Manifest(dict(manifest), database))
        if model.name in names
    ]
    with connect_duckdb(database) as warehouse:
        columns = deployed_columns(warehouse, models)
    found = {}
    for model in models:
        built = columns.get((model.schema.lower(), model.alias.lower()))
        if built:
            found[model.name] = list(built)
    return found
