"""docs/TROUBLESHOOTING.md lists every error class the CLI can raise, with its exit code.

Classes are discovered by importing every module of the package and walking
LakehouseBIError's subclasses, so a class added on any branch is caught after merge."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import lakehouse_bi
from lakehouse_bi.errors import LakehouseBIError

DOC = Path(__file__).resolve().parents[2] / "docs" / "TROUBLESHOOTING.md"


def _error_classes() -> set[type[LakehouseBIError]]:
    for module in pkgutil.walk_packages(lakehouse_bi.__path__, "lakehouse_bi."):
        importlib.import_module(module.name)
    found, pending = set(), [LakehouseBIError]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__.startswith("lakehouse_bi.") and subclass not in found:
                pending.append(subclass)
                if not subclass.__name__.startswith("_"):  # private bases are never raised
                    found.add(subclass)
    return found


def test_every_error_class_has_a_section_with_its_exit_code():
    headings = dict(re.findall(r"^### `(\w+)` \(exit (\d+)\)$", DOC.read_text(), re.M))
    classes = _error_classes()
    assert len(classes) >= 10
    missing = sorted(c.__name__ for c in classes if c.__name__ not in headings)
    assert missing == [], f"add a '### `Name` (exit N)' section to {DOC.name} for {missing}"
    wrong = {c.__name__: (c.exit_code, headings[c.__name__]) for c in classes
             if int(headings[c.__name__]) != c.exit_code}  # fmt: skip
    assert wrong == {}


def test_no_section_for_a_class_that_does_not_exist():
    names = {c.__name__ for c in _error_classes()}
    headings = re.findall(r"^### `(\w+)`", DOC.read_text(), re.M)
    assert set(headings) <= names
