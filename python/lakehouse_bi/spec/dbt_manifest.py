"""The manifest `dbt parse` writes for a target, parsed once per process and shared by the
spec checks of one `lakehouse-bi validate` pass (policies, glossary, ...)."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lakehouse_bi.governance.dbt_parse import parse_manifest

_WORK_DIR: Path | None = None
_PARSED: dict[tuple[Path, str], Path] = {}


def work_dir() -> Path:
    """This process's scratch folder for dbt outputs, removed at exit."""
    global _WORK_DIR
    if _WORK_DIR is None:
        _WORK_DIR = Path(tempfile.mkdtemp(prefix="lakehouse-bi-spec-"))
        atexit.register(shutil.rmtree, _WORK_DIR, True)
    return _WORK_DIR


def manifest_path(project_dir: Path, target: str) -> Path:
    """Path of the manifest of `target` (dbt parse, offline; placeholder Databricks env vars),
    parsed on first use. Raises ConfigError naming dbt's error when parsing fails."""
    key = (project_dir.resolve(), target)
    if key not in _PARSED:
        _PARSED[key] = parse_manifest(key[0], target, work_dir() / str(len(_PARSED)))
    return _PARSED[key]


def load_manifest(project_dir: Path, target: str = "prod") -> dict[str, Any]:
    """The parsed manifest of `target` as a dict (see `manifest_path`)."""
    return json.loads(manifest_path(project_dir, target).read_text())
