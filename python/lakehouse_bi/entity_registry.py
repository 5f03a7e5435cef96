"""The entity registry, read in Python: the tables of the dbt source `landing` and their
`meta` (models/bronze/landing/_landing__sources.yml; docs/LANDING.md, "Adding an entity").

The same file the dbt macros read (`lakehouse.landing_entities()`,
packages/lakehouse/macros/ingestion/): one list of landed entities for the models, the
generator, `land` and the tests. Validation here mirrors the macro's, so `lakehouse-bi
validate` reports a bad entry before dbt compiles it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lakehouse_bi.errors import ConfigError

REGISTRY_FILE = Path("models/bronze/landing/_landing__sources.yml")
# The project this package belongs to (python/lakehouse_bi/ -> the repository root).
PACKAGE_PROJECT = Path(__file__).resolve().parents[2]
SOURCE_NAME = "landing"


def standard_checks(load: str) -> tuple[str, ...]:
    """The quarantine reasons every checked feed of a load gives (docs/LANDING.md, "Data
    quality"); `standard_quarantine_checks` in
    packages/lakehouse/macros/ingestion/landing_entities.sql says the same."""
    operation = ("unknown_operation",) if load == "cdc" else ()
    return ("malformed_row", "null_key", "bad_type", *operation, "future_date")


class _Meta(BaseModel):
    """A landing table's `meta` (unknown keys, e.g. schema_evolution, are other readers')."""

    model_config = ConfigDict(extra="allow")

    format: Literal["csv", "jsonl"]
    key: str
    load: Literal["cdc", "append"]
    changed_at: str
    scd2: bool = False
    checks: list[str] = Field(default_factory=list)
    recomputes: list[str] = Field(default_factory=list)

    @field_validator("checks", "recomputes", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


@dataclass(frozen=True)
class LandingEntity:
    """One landed entity. `columns` are the declared landed columns in file order; `checks`
    every quarantine reason its checked feed may give (standard ones first)."""

    name: str
    file_format: str  # "csv" or "jsonl"
    key: str
    load: str  # "cdc" or "append"
    changed_at: str
    scd2: bool
    checks: tuple[str, ...]
    recomputes: tuple[str, ...]
    columns: tuple[str, ...]

    @property
    def is_cdc(self) -> bool:
        return self.load == "cdc"

    @property
    def bronze_model(self) -> str:
        return f"bronze_{self.name}"

    @property
    def checked_feed(self) -> str:
        return f"int_{self.name}__checked"

    @property
    def quarantine_model(self) -> str:
        return f"quarantine_{self.name}"


def registry_file(project_dir: Path | None = None) -> Path:
    """The registry YAML of `project_dir`, else of the dbt project at or above the current
    directory, else of the project this package belongs to."""
    if project_dir is None:
        here = Path.cwd().resolve()
        project_dir = next(
            (folder for folder in (here, *here.parents) if (folder / "dbt_project.yml").is_file()),
            PACKAGE_PROJECT,
        )
    return project_dir / REGISTRY_FILE


def load_registry(project_dir: Path | None = None) -> dict[str, LandingEntity]:
    """Every landing table of the registry, in the file's order: name -> LandingEntity.

    Raises:
        ConfigError: the file is missing or unreadable, or a table's meta is missing a key or
            has an invalid value (the message names the file, the table and the key).
    """
    path = registry_file(project_dir)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(
            f"Cannot read the entity registry {path}: {error}",
            "Restore models/bronze/landing/_landing__sources.yml (docs/LANDING.md).",
        ) from error
    sources = [s for s in document.get("sources") or [] if s.get("name") == SOURCE_NAME]
    if len(sources) != 1:
        raise ConfigError(
            f"{path}: expected one source named '{SOURCE_NAME}', found {len(sources)}.",
            "Declare the landing tables under one `sources: - name: landing` entry.",
        )
    entities: dict[str, LandingEntity] = {}
    for table in sources[0].get("tables") or []:
        name = table.get("name")
        meta = {**((table.get("config") or {}).get("meta") or {}), **(table.get("meta") or {})}
        try:
            parsed = _Meta.model_validate(meta)
        except ValidationError as error:
            problems = "; ".join(
                f"meta.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise ConfigError(
                f"{path}: source landing.{name}: {problems}.",
                "Every landing table declares format, key, load and changed_at (and scd2, "
                'checks, recomputes); see docs/LANDING.md, "Adding an entity".',
            ) from error
        columns = tuple(column["name"] for column in table.get("columns") or [])
        _check_columns(path, name, parsed, columns)
        checks = standard_checks(parsed.load)
        entities[name] = LandingEntity(
            name=name,
            file_format=parsed.format,
            key=parsed.key,
            load=parsed.load,
            changed_at=parsed.changed_at,
            scd2=parsed.scd2,
            checks=checks + tuple(c for c in parsed.checks if c not in checks),
            recomputes=tuple(parsed.recomputes),
            columns=columns,
        )
    return entities


def _check_columns(path: Path, name: str, meta: _Meta, columns: tuple[str, ...]) -> None:
    where = f"{path}: source landing.{name}"
    if not columns:
        raise ConfigError(
            f"{where} lists no columns.", "Declare every landed column, in file order."
        )
    if meta.key not in columns:
        raise ConfigError(
            f"{where}: meta.key {meta.key} is not one of its columns ({', '.join(columns)}).",
            "Name the business key as a declared column.",
        )
    if meta.load == "cdc" and "op" not in columns:
        raise ConfigError(
            f"{where}: a cdc feed needs an `op` column (the CDC operation).",
            "Declare `op`, or set meta.load: append for immutable events.",
        )


def spec_problems(project_dir: Path) -> list[str]:
    """The registry's problems for `lakehouse-bi validate` (the `entities` check): the
    ConfigError load_registry raises, as one sentence naming file, table and key; [] when
    every entry is valid."""
    try:
        load_registry(project_dir)
    except ConfigError as error:
        return [str(error)]
    return []
