"""What the operations commands read from dbt's target/manifest.json: relation names and the
sources' freshness SLAs, so thresholds live in the project's YAML and nowhere else."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse_bi.errors import ConfigError

_PERIODS = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
}


def _threshold(spec: dict[str, Any] | None) -> dt.timedelta | None:
    if not spec or spec.get("count") is None or spec.get("period") not in _PERIODS:
        return None
    return spec["count"] * _PERIODS[spec["period"]]


@dataclass(frozen=True)
class FreshnessSla:
    """A source's `warn_after` / `error_after`, judged the way `dbt source freshness` does."""

    warn_after: dt.timedelta | None
    error_after: dt.timedelta | None
    filter: str | None = None

    @classmethod
    def from_manifest(cls, spec: dict[str, Any] | None) -> FreshnessSla | None:
        spec = spec or {}
        sla = cls(
            _threshold(spec.get("warn_after")),
            _threshold(spec.get("error_after")),
            spec.get("filter"),
        )
        return sla if sla.warn_after or sla.error_after else None

    def status(self, age: dt.timedelta) -> str:
        if self.error_after is not None and age > self.error_after:
            return "error"
        if self.warn_after is not None and age > self.warn_after:
            return "warn"
        return "pass"

    def describe(self) -> str:
        parts = []
        if self.warn_after is not None:
            parts.append(f"warn > {format_age(self.warn_after)}")
        if self.error_after is not None:
            parts.append(f"error > {format_age(self.error_after)}")
        return ", ".join(parts)


def format_age(age: dt.timedelta) -> str:
    hours = age.total_seconds() / 3600
    if hours >= 72:
        return f"{hours / 24:.0f} d"
    return f"{hours:.0f} h" if hours >= 10 else f"{hours:.1f} h"


@dataclass(frozen=True)
class SourceTable:
    unique_id: str
    name: str
    relation_name: str
    loaded_at_field: str | None
    sla: FreshnessSla
    # What the health table calls this check: source meta `health_check`, else freshness.
    health_label: str = "source freshness"


def read_manifest_json(path: Path, argument: str = "--manifest") -> dict[str, Any]:
    """The JSON object in `path` (a dbt manifest or catalog passed as `argument`). Raises
    ConfigError naming the argument, the file and the parse error's position when the file
    cannot be read or is not a JSON object, instead of a traceback."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"{argument} {path} cannot be read: {error}.", "Check the path."
        ) from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{argument} {path} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}.",
            "Regenerate it (`dbt parse --target <t>` writes target/manifest.json) or pass "
            "the right file; a partial copy or download is the usual cause.",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{argument} {path} holds JSON but not an object.", "Pass the file dbt wrote."
        )
    return data


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The manifest at `path`. Raises ConfigError naming --manifest and the file when it
        is missing, not JSON, or not a dbt manifest (no metadata / nodes / sources)."""
        if not path.is_file():
            raise ConfigError(
                f"No dbt manifest at {path}.",
                "Run `dbt parse` (or any dbt build) for the target you check, or pass --manifest.",
            )
        data = read_manifest_json(path)
        if not all(isinstance(data.get(key), dict) for key in ("metadata", "nodes", "sources")):
            raise ConfigError(
                f"--manifest {path} is not a dbt manifest (no metadata, nodes and sources).",
                "Pass target/manifest.json as written by `dbt parse --target <t>`.",
            )
        return cls(data, path)

    @property
    def adapter_type(self) -> str:
        return self.data["metadata"]["adapter_type"]

    @property
    def project_name(self) -> str:
        return self.data["metadata"]["project_name"]

    def relation(self, unique_id: str) -> str:
        node = self.data["nodes"].get(unique_id) or self.data["sources"].get(unique_id)
        if not node or not node.get("relation_name"):
            raise ConfigError(
                f"{unique_id} is not in {self.path}.",
                "Install the dbt packages (`lakehouse-bi deps`) and re-run `dbt parse`.",
            )
        return node["relation_name"]

    def freshness_sources(self) -> list[SourceTable]:
        """Every source of this project with a freshness SLA, in name order."""
        tables = []
        for unique_id, node in self.data["sources"].items():
            if node["package_name"] != self.project_name:
                continue
            sla = FreshnessSla.from_manifest(node.get("freshness"))
            if sla is None:
                continue
            meta = {**node.get("config", {}).get("meta", {}), **node.get("meta", {})}
            tables.append(
                SourceTable(
                    unique_id=unique_id,
                    name=f"{node['source_name']}.{node['name']}",
                    relation_name=node["relation_name"],
                    loaded_at_field=node.get("loaded_at_field"),
                    sla=sla,
                    health_label=meta.get("health_check") or "source freshness",
                )
            )
        return sorted(tables, key=lambda table: table.name)
