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


def test_env_files_and_databricks_state_are_ignored_but_the_template_is_not():
    """issue 24: `.env.*` (a `.env.prod` with tokens) and the CLI's `.databricks/` stay out
    of git; `.env.example`, the documented template, stays tracked."""
    import subprocess

    def ignored(path: str) -> bool:
        check = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
        )
        assert check.returncode in (0, 1), check
        return check.returncode == 0

    assert ignored(".env") and ignored(".env.local") and ignored(".env.prod")
    assert ignored(".databricks/bundle/prod/terraform.tfstate")
    assert not ignored(".env.example")
    for pattern in (".env.*", "!.env.example", ".databricks/"):
        assert pattern in _patterns(ROOT / ".cursorignore")
