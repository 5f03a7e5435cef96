"""A copy of this checkout (tracked and new files, not ignored ones) in a temp folder, sharing
the installed dbt packages, with profiles.yml from the example: a project tests may edit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_project(destination: Path) -> Path:
    """Copy the project into `destination` (which exists) and return it."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    (destination / "dbt_packages").symlink_to(ROOT / "dbt_packages")
    shutil.copy(ROOT / "profiles.yml.example", destination / "profiles.yml")
    return destination
