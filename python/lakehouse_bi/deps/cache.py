"""The offline cache of dbt packages: `<cache>/<owner>__<package>/<version>/<package files>`.

Filled from git repositories (a pinned tag is extracted with `git archive`) or from tarballs
on disk, so an air-gapped machine installs exactly the versions in package-lock.yml.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

import yaml

from lakehouse_bi.deps.lockfile import LockedPackage
from lakehouse_bi.errors import PackageError

CACHE_ENV_VAR = "LAKEHOUSE_BI_PACKAGES_CACHE"
_TARBALL_NAME = re.compile(
    r"^(?P<name>[A-Za-z0-9_]+)-v?(?P<version>\d+\.\d+\.\d+)\.(tar\.gz|tgz|tar)$"
)


def cache_root() -> Path:
    override = os.environ.get(CACHE_ENV_VAR)
    return (
        Path(override).expanduser()
        if override
        else Path.home() / ".cache/lakehouse-bi/dbt-packages"
    )


def cached_path(package: LockedPackage, root: Path | None = None) -> Path:
    return (root or cache_root()) / package.cache_key


def is_cached(package: LockedPackage, root: Path | None = None) -> bool:
    return (cached_path(package, root) / "dbt_project.yml").is_file()


def missing(packages: Iterable[LockedPackage], root: Path | None = None) -> list[LockedPackage]:
    return sorted({p for p in packages if not is_cached(p, root)})


def _project_name(package_dir: Path) -> str | None:
    project_file = package_dir / "dbt_project.yml"
    if not project_file.is_file():
        return None
    return (yaml.safe_load(project_file.read_text()) or {}).get("name")


def _store(extracted: Path, package: LockedPackage, root: Path) -> Path:
    """Move an extracted package into the cache atomically (a half-written cache never counts)."""
    found = _project_name(extracted)
    if found != package.name:
        raise PackageError(
            f"{package}: the source holds dbt project {found!r}, expected {package.name!r}.",
            "Point the cache command at the repository or tarball of that package.",
        )
    target = cached_path(package, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{package.version}-"))
    shutil.rmtree(staging)
    shutil.copytree(extracted, staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def _git_tags(git_dir: Path) -> set[str]:
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", "tag", "--list"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PackageError(f"{git_dir} is not a readable git repository: {result.stderr.strip()}")
    return set(result.stdout.split())


def _git_project_name(git_dir: Path, tag: str) -> str | None:
    shown = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{tag}:dbt_project.yml"],
        capture_output=True,
        text=True,
        check=False,
    )
    return (yaml.safe_load(shown.stdout) or {}).get("name") if shown.returncode == 0 else None


def fill_from_git(
    git_dir: Path, wanted: Iterable[LockedPackage], root: Path | None = None
) -> list[LockedPackage]:
    """Extract every wanted package version this repository has a tag for; return those stored."""
    root = root or cache_root()
    git_dir = git_dir / ".git" if (git_dir / ".git").is_dir() else git_dir
    tags = _git_tags(git_dir)
    stored = []
    for package in sorted(set(wanted)):
        tag = next((t for t in (package.version, f"v{package.version}") if t in tags), None)
        if tag is None or _git_project_name(git_dir, tag) != package.name:
            continue
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", "--format=tar", tag],
            capture_output=True,
            check=True,
        )
        with (
            tempfile.TemporaryDirectory() as tmp,
            tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar,
        ):
            tar.extractall(tmp, filter="data")
            _store(Path(tmp), package, root)
        stored.append(package)
    return stored


def _single_project_dir(extracted: Path) -> Path:
    """Tarballs from the hub or GitHub wrap the package in one top-level folder."""
    if (extracted / "dbt_project.yml").is_file():
        return extracted
    candidates = [p.parent for p in extracted.glob("*/dbt_project.yml")]
    if len(candidates) != 1:
        raise PackageError(f"Expected one dbt project in the tarball, found {len(candidates)}.")
    return candidates[0]


def fill_from_tarball(
    tarball: Path,
    wanted: Iterable[LockedPackage],
    version: str | None = None,
    root: Path | None = None,
) -> list[LockedPackage]:
    """Store a tarball named `<name>-<version>.tar.gz` (or with an explicit version)."""
    root = root or cache_root()
    match = _TARBALL_NAME.match(tarball.name)
    version = version or (match and match["version"])
    if not version:
        raise PackageError(
            f"Cannot tell the version of {tarball.name}.",
            "Name it <package>-<version>.tar.gz or pass --version.",
        )
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
        project_dir = _single_project_dir(Path(tmp))
        name = _project_name(project_dir)
        matches = [p for p in wanted if p.name == name and p.version == version]
        for package in matches:
            _store(project_dir, package, root)
    return matches
