"""Where a dbt target keeps the marts the dashboards read: the schema of each layer.

Dataset and alert SQL names tables as `${gold}.sales_dashboard_metrics`; `${gold}` becomes
the layer's schema for the target, read from the dbt profile (one source: the profile's
`catalog` and `schema`, rendered with its env vars) and dbt's schema rule
(macros/generate_schema_name.sql: layer schemas by name, prefixed with the target
schema in `dev`). DuckDB (`local`): `gold`, the schema in the database file. Databricks:
`<catalog>.gold` (`<catalog>.<schema>_gold` in dev).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from lakehouse_bi.errors import ConfigError

PROFILE_NAME = "lakehouse_bi"
LAYERS = ("gold", "observability")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TargetLocation:
    """A target's engine (`duckdb` or `databricks`), catalog and layer schemas."""

    target: str
    engine: str
    catalog: str | None
    layer_schemas: dict[str, str]  # layer -> schema name

    def qualified(self, layer: str) -> str:
        """The layer's schema as SQL: `gold` (DuckDB) or `catalog.gold` (Databricks)."""
        schema = _identifier(self.layer_schemas[layer])
        return f"{_identifier(self.catalog)}.{schema}" if self.catalog else schema

    @property
    def placeholders(self) -> dict[str, str]:
        """Values of the `${layer}` placeholders of dataset and alert SQL."""
        return {layer: self.qualified(layer) for layer in self.layer_schemas}


def _identifier(name: str) -> str:
    return name if _PLAIN.match(name) else "`" + name.replace("`", "``") + "`"


def profiles_file(project_dir: Path) -> Path:
    """The profiles.yml dbt would read (DBT_PROFILES_DIR, the project, ~/.dbt), else the
    project's profiles.yml.example."""
    candidates = [
        *([Path(os.environ["DBT_PROFILES_DIR"])] if os.environ.get("DBT_PROFILES_DIR") else []),
        project_dir,
        Path.home() / ".dbt",
    ]
    for folder in candidates:
        if (folder / "profiles.yml").is_file():
            return folder / "profiles.yml"
    return project_dir / "profiles.yml.example"


def _render(value: object) -> str:
    def env_var(name: str, default: str | None = None) -> str:
        # Values without a default (host, token) are not needed here: render them empty.
        return os.environ.get(name, default if default is not None else "")

    return jinja2.Environment(autoescape=False).from_string(str(value)).render(env_var=env_var)


def target_location(project_dir: Path, target: str) -> TargetLocation:
    """The engine, catalog and layer schemas of dbt target `target` (see module docstring).
    Raises ConfigError when the profile lacks the target."""
    path = profiles_file(project_dir)
    outputs = ((yaml.safe_load(path.read_text()) or {}).get(PROFILE_NAME) or {}).get("outputs")
    if not outputs or target not in outputs:
        known = ", ".join(sorted(outputs or {})) or "none"
        raise ConfigError(
            f"{path}: profile {PROFILE_NAME!r} has no target {target!r} (targets: {known}).",
            "Pass --target with one of the profile's targets.",
        )
    output = outputs[target]
    engine = _render(output.get("type", ""))
    schema = _render(output.get("schema", "main"))
    if target == "dev":
        layer_schemas = {layer: f"{schema}_{layer}" for layer in LAYERS}
    else:
        layer_schemas = {layer: layer for layer in LAYERS}
    catalog = _render(output["catalog"]) if engine == "databricks" else None
    if engine == "databricks" and not catalog:
        raise ConfigError(f"{path}: target {target!r} has no catalog.", "Set DATABRICKS_CATALOG.")
    return TargetLocation(target, engine, catalog, layer_schemas)
