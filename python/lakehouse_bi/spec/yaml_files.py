"""Reading a spec YAML file into (data, problems): a parse error names the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def load_yaml(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The mapping in `path`, or None with one problem naming the file (and line when known)."""
    if not path.is_file():
        return None, [f"{path.name}: missing"]
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        return None, [f"{path.name}:{line} not valid YAML: {getattr(error, 'problem', error)}"]
    if not isinstance(data, dict):
        return None, [f"{path.name}: expected a mapping at the top level"]
    return data, []
