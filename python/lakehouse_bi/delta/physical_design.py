"""Checks of the Delta physical design and retention policy, read from the project's YAML.

What is checked (docs/DATABRICKS.md, "Delta physical design and maintenance"):
- `vars.retention_policy` in dbt_project.yml: per layer (a folder under models/) a whole
  `retention_days` >= 1, a whole `vacuum_retain_hours` >= 168 (Delta's VACUUM safety
  threshold, docs "VACUUM"), equal to the layer's `delta.deletedFileRetentionDuration`
  (which predictive optimization's VACUUM honours), `delta.logRetentionDuration` at least as
  long; every table of the layer (models materialized table / incremental) has, in its
  effective `meta` (folder `+meta` in dbt_project.yml, then the model's YAML), a
  `retention_column` (a declared column where the contract declares them all) or a
  `retention_exempt` reason.
- `vars.predictive_optimization`: target name -> true / false.
- Clustering of each model (YAML `config:` or SQL `config(...)`): `liquid_clustered_by` at
  most 4 distinct columns (Databricks' limit for clustering keys, docs "Use liquid clustering
  for tables"), declared columns where the model's contract declares them all, not together with
  `auto_liquid_cluster`, `zorder` or `partition_by`, never on a view.

`spec_problems(project_dir)` returns the problems as sentences naming the file and the key;
an empty list means the design is valid. It reads files only (no dbt parse, no warehouse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lakehouse_bi.errors import ConfigError

VACUUM_MINIMUM_HOURS = 168  # Delta's retentionDurationCheck threshold (7 days)
MAX_CLUSTERING_COLUMNS = 4  # Databricks liquid clustering: up to 4 clustering keys
CLUSTERING_KEYS = ("liquid_clustered_by", "auto_liquid_cluster", "zorder")
_CONFIG_CALL = re.compile(r"\{\{\s*config\((?P<args>.*?)\)\s*\}\}", re.S)
_MATERIALIZED = re.compile(r"materialized\s*=\s*['\"](\w+)['\"]")
_INTERVAL = re.compile(r"^\s*interval\s+(\d+)\s+(hours?|days?)\s*$", re.I)


class _ProjectLoader(yaml.SafeLoader):
    """A SafeLoader that keeps unknown tags (dbt YAML has none, but anchors are common)."""


@dataclass
class Model:
    """One dbt model as the project's files declare it."""

    name: str
    layer: str
    sql_path: Path
    materialized: str
    config: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    yaml_path: Path | None = None
    folder_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def meta(self) -> dict[str, Any]:
        """The model's meta as dbt resolves it: the folders' `+meta`, updated by its YAML's."""
        return {**self.folder_meta, **(self.config.get("meta") or {})}

    @property
    def declared_columns(self) -> list[str] | None:
        """Every column of the model when its contract is enforced (all are declared), else
        None: a partial column list says nothing about the columns that exist."""
        contract = self.config.get("contract") or {}
        return self.columns if contract.get("enforced") else None


def spec_problems(project_dir: Path) -> list[str]:
    """Problems of the physical design and retention policy of the dbt project at
    `project_dir` (a folder holding dbt_project.yml), as human-readable sentences each naming
    the file and key. Empty when valid. Never raises for bad content; a missing
    dbt_project.yml is reported as a problem."""
    project_file = project_dir / "dbt_project.yml"
    if not project_file.is_file():
        return [f"{project_file}: not found (is {project_dir} a dbt project?)"]
    try:
        project = yaml.load(project_file.read_text(), Loader=_ProjectLoader) or {}
    except yaml.YAMLError as exc:
        return [f"dbt_project.yml: not valid YAML ({exc})"]
    models, problems = _load_models(project_dir, project)
    project_vars = project.get("vars") or {}
    problems += _predictive_optimization_problems(project_vars.get("predictive_optimization"))
    problems += _retention_problems(project, project_vars.get("retention_policy"), models)
    for model in models.values():
        problems += _clustering_problems(project_dir, model)
    return problems


def check_physical_design(project_dir: Path) -> None:
    """Raise ConfigError listing every problem spec_problems finds; return None when valid."""
    problems = spec_problems(project_dir)
    if problems:
        raise ConfigError(
            "Delta physical design / retention policy invalid:\n  - " + "\n  - ".join(problems),
            hint="Fix the named keys "
            "(docs/DATABRICKS.md, 'Delta physical design and maintenance').",
        )


# -- loading --------------------------------------------------------------------------------


def _layer_settings(project: dict[str, Any], layer: str) -> dict[str, Any]:
    """The `models: <project>: <layer>:` block of dbt_project.yml ({} when absent)."""
    models = (project.get("models") or {}).get(project.get("name"), {}) or {}
    return models.get(layer) or {}


def _load_models(project_dir: Path, project: dict[str, Any]) -> tuple[dict[str, Model], list[str]]:
    """Every model under models/ with its layer (first folder), materialization (SQL config,
    else the nearest folder default in dbt_project.yml), YAML config and declared columns."""
    problems: list[str] = []
    models: dict[str, Model] = {}
    root = project_dir / "models"
    for sql in sorted(root.rglob("*.sql")):
        parts = sql.relative_to(root).parts
        layer = parts[0] if len(parts) > 1 else ""
        text = sql.read_text()
        config_call = _CONFIG_CALL.search(text)
        found = _MATERIALIZED.search(config_call.group("args")) if config_call else None
        materialized = found.group(1) if found else _folder_materialization(project, parts[:-1])
        models[sql.stem] = Model(
            sql.stem, layer, sql, materialized, folder_meta=_folder_meta(project, parts[:-1])
        )
    for path in sorted(root.rglob("*.yml")):
        try:
            document = yaml.load(path.read_text(), Loader=_ProjectLoader) or {}
        except yaml.YAMLError as exc:
            problems.append(f"{path.relative_to(project_dir)}: not valid YAML ({exc})")
            continue
        for entry in document.get("models") or []:
            model = models.get(entry.get("name"))
            if model is None:
                continue
            model.yaml_path = path
            model.config = dict(entry.get("config") or {})
            model.columns = [c["name"] for c in entry.get("columns") or [] if c.get("name")]
            if "materialized" in model.config:
                model.materialized = model.config["materialized"]
    return models, problems


def _folder_materialization(project: dict[str, Any], folders: tuple[str, ...]) -> str:
    """The `+materialized` of the deepest folder block in dbt_project.yml that sets it."""
    node = (project.get("models") or {}).get(project.get("name"), {}) or {}
    materialized = node.get("+materialized", "view")
    for folder in folders:
        node = node.get(folder) or {}
        materialized = node.get("+materialized", materialized)
    return materialized


def _folder_meta(project: dict[str, Any], folders: tuple[str, ...]) -> dict[str, Any]:
    """The `+meta` of the folder blocks in dbt_project.yml down to `folders`, deeper ones
    updating shallower ones (dbt merges `meta` key by key)."""
    node = (project.get("models") or {}).get(project.get("name"), {}) or {}
    meta = dict(node.get("+meta") or {})
    for folder in folders:
        node = node.get(folder) or {}
        meta.update(node.get("+meta") or {})
    return meta


# -- checks ---------------------------------------------------------------------------------


def _whole(value: Any) -> int | None:
    """`value` as an int when it is a whole number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _interval_hours(text: Any) -> int | None:
    """Hours of a Delta interval property such as 'interval 168 hours' / 'interval 30 days'."""
    m = _INTERVAL.match(str(text)) if text is not None else None
    if not m:
        return None
    return int(m.group(1)) * (24 if m.group(2).lower().startswith("day") else 1)


def _predictive_optimization_problems(setting: Any) -> list[str]:
    where = "dbt_project.yml: vars.predictive_optimization"
    if setting is None:
        return [f"{where}: missing (map each target to true/false, e.g. {{prod: true}})"]
    if not isinstance(setting, dict):
        return [f"{where}: must map target names to true/false, got {setting!r}"]
    return [
        f"{where}.{target}: must be true or false, got {value!r}"
        for target, value in setting.items()
        if not isinstance(value, bool)
    ]


def _retention_problems(
    project: dict[str, Any], policy: Any, models: dict[str, Model]
) -> list[str]:
    where = "dbt_project.yml: vars.retention_policy"
    if not isinstance(policy, dict) or not policy:
        return [
            f"{where}: missing (retention per layer: retention_days, vacuum_retain_hours, tables)"
        ]
    problems: list[str] = []
    layers = {m.layer for m in models.values() if m.layer}
    for layer, settings in policy.items():
        key = f"{where}.{layer}"
        if layer not in layers:
            problems.append(f"{key}: no such layer (folders under models/: {sorted(layers)})")
            continue
        if not isinstance(settings, dict):
            problems.append(f"{key}: must be a mapping, got {settings!r}")
            continue
        days = _whole(settings.get("retention_days"))
        if days is None or days < 1:
            problems.append(
                f"{key}.retention_days: must be a whole number of days >= 1, "
                f"got {settings.get('retention_days')!r}"
            )
        hours = _whole(settings.get("vacuum_retain_hours"))
        if hours is None or hours < VACUUM_MINIMUM_HOURS:
            problems.append(
                f"{key}.vacuum_retain_hours: must be a whole number of hours >= "
                f"{VACUUM_MINIMUM_HOURS} (Delta's VACUUM safety threshold), "
                f"got {settings.get('vacuum_retain_hours')!r}"
            )
        problems += _layer_property_problems(project, layer, hours)
        problems += _layer_table_problems(key, layer, settings, models)
    return problems


def _layer_property_problems(project: dict[str, Any], layer: str, hours: int | None) -> list[str]:
    properties = _layer_settings(project, layer).get("+tblproperties") or {}
    key = f"dbt_project.yml: models.{project.get('name')}.{layer}.+tblproperties"
    deleted = _interval_hours(properties.get("delta.deletedFileRetentionDuration"))
    problems = []
    if hours is not None and deleted != hours:
        problems.append(
            f"{key}.delta.deletedFileRetentionDuration: must be 'interval {hours} hours' "
            f"(vars.retention_policy.{layer}.vacuum_retain_hours, which predictive "
            f"optimization's VACUUM honours), got "
            f"{properties.get('delta.deletedFileRetentionDuration')!r}"
        )
    log = _interval_hours(properties.get("delta.logRetentionDuration"))
    if deleted is not None and (log is None or log < deleted):
        problems.append(
            f"{key}.delta.logRetentionDuration: must be an interval at least as long as "
            f"delta.deletedFileRetentionDuration, "
            f"got {properties.get('delta.logRetentionDuration')!r}"
        )
    return problems


def _layer_table_problems(
    key: str, layer: str, settings: dict[str, Any], models: dict[str, Model]
) -> list[str]:
    problems = [
        f"{key}.{moved}: tables now say their retention in meta (retention_column, or "
        "retention_exempt with the reason), per folder in dbt_project.yml or in their YAML"
        for moved in ("tables", "exempt")
        if moved in settings
    ]
    stored = [
        m
        for m in models.values()
        if m.layer == layer and m.materialized in ("table", "incremental")
    ]
    for model in sorted(stored, key=lambda m: m.name):
        where = f"model {model.name} ({model.yaml_path.name if model.yaml_path else 'no YAML'})"
        column, exempt = model.meta.get("retention_column"), model.meta.get("retention_exempt")
        if exempt is not None and (not isinstance(exempt, str) or not exempt.strip()):
            problems.append(
                f"{where}: meta.retention_exempt must give the reason it keeps its rows"
            )
        elif exempt is None and (not isinstance(column, str) or not column):
            problems.append(
                f"{where}: a table of layer {layer} ({key}) needs meta.retention_column (the "
                "date/timestamp compared with the cut-off) or meta.retention_exempt (the reason)"
            )
        elif (
            exempt is None
            and model.declared_columns is not None
            and column not in model.declared_columns
        ):
            problems.append(
                f"{where}: meta.retention_column {column!r} is not a column of {model.name}"
            )
    return problems


def _clustering_problems(project_dir: Path, model: Model) -> list[str]:
    config = model.config
    where = (
        f"{model.yaml_path.relative_to(project_dir)}: models.{model.name}.config"
        if model.yaml_path
        else f"{model.sql_path.relative_to(project_dir)}: config"
    )
    set_keys = [k for k in CLUSTERING_KEYS if config.get(k)]
    problems: list[str] = []
    if set_keys and model.materialized not in ("table", "incremental"):
        problems.append(f"{where}.{set_keys[0]}: a {model.materialized} cannot be clustered")
    if config.get("liquid_clustered_by") and config.get("auto_liquid_cluster"):
        problems.append(f"{where}: set liquid_clustered_by or auto_liquid_cluster, not both")
    if config.get("zorder") and (
        config.get("liquid_clustered_by") or config.get("auto_liquid_cluster")
    ):
        problems.append(f"{where}.zorder: ignored together with liquid clustering; remove one")
    if config.get("partition_by") and set_keys:
        problems.append(
            f"{where}.partition_by: liquid clustering and partitioning exclude each other"
        )
    liquid = config.get("liquid_clustered_by")
    if liquid:
        columns = [liquid] if isinstance(liquid, str) else list(liquid)
        if len(columns) > MAX_CLUSTERING_COLUMNS:
            problems.append(
                f"{where}.liquid_clustered_by: at most {MAX_CLUSTERING_COLUMNS} columns, "
                f"got {len(columns)}"
            )
        if len(set(columns)) != len(columns):
            problems.append(f"{where}.liquid_clustered_by: a column is repeated: {columns}")
        declared = model.declared_columns
        unknown = [c for c in columns if declared is not None and c not in declared]
        if unknown:
            problems.append(
                f"{where}.liquid_clustered_by: {unknown} not among the columns of {model.name}"
            )
    return problems
