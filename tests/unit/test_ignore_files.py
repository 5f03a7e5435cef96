""".cursorignore keeps AI editors away from everything git ignores (data, builds, secrets):
every .gitignore pattern is in .cursorignore."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _patterns(path: Path) -> set[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def test_cursorignore_covers_gitignore():
    missing = _patterns(ROOT / ".gitignore") - _patterns(ROOT / ".cursorignore")
    assert missing == set(), f"add to .cursorignore: {sorted(missing)}"


def test_secrets_and_data_are_ignored():
    for pattern in (".env", "profiles.yml", "data/", "*.duckdb", "target/"):
        assert pattern in _patterns(ROOT / ".cursorignore")
