"""Install a dbt project's locked packages: `dbt deps` when the hub answers, else the cache."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lakehouse_bi.deps import cache
from lakehouse_bi.deps.lockfile import (
    LockedPackage,
    lock_hash,
    read_local_packages,
    read_lock,
)
from lakehouse_bi.errors import ConfigError, PackageError

log = logging.getLogger(__name__)

HUB_PROBE_URL = "https://hub.getdbt.com/api/v1/index.json"
SOURCE_ENV_VAR = "LAKEHOUSE_BI_DEPS_SOURCE"  # auto (default) | hub | cache
_MARKER = ".lakehouse_bi_lock"


@dataclass
class InstallResult:
    project_dir: Path
    source: str  # "hub", "cache" or "up-to-date"
    packages: list[LockedPackage]


def hub_reachable(timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(HUB_PROBE_URL, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _chosen_source() -> str:
    source = os.environ.get(SOURCE_ENV_VAR, "auto").strip().lower()
    if source not in {"auto", "hub", "cache"}:
        raise ConfigError(
            f"{SOURCE_ENV_VAR}={source!r} is not a package source.",
            "Use auto (hub when reachable, else cache), hub, or cache.",
        )
    if source == "auto":
        return "hub" if hub_reachable() else "cache"
    return source


def _marker_text(project_dir: Path) -> str:
    return f"{lock_hash(project_dir / 'package-lock.yml')}\n"


def is_up_to_date(project_dir: Path, install_dir: Path) -> bool:
    marker = install_dir / _MARKER
    lock = project_dir / "package-lock.yml"
    names = [p.name for p in read_lock(lock)] + [p.name for p in read_local_packages(lock)]
    return (
        marker.is_file()
        and marker.read_text() == _marker_text(project_dir)
        and all((install_dir / name / "dbt_project.yml").is_file() for name in names)
    )


def missing_error(missing: list[LockedPackage], root: Path) -> PackageError:
    names = ", ".join(str(p) for p in missing)
    return PackageError(
        f"The dbt hub is unreachable and the package cache ({root}) lacks: {names}.",
        "Fill the cache from git clones or tarballs of those packages: "
        "`lakehouse-bi deps cache-fill PATH...` (set LAKEHOUSE_BI_PACKAGES_CACHE to use "
        "another folder), or run `dbt deps` where hub.getdbt.com is reachable.",
    )


def install_from_cache(project_dir: Path, install_dir: Path) -> list[LockedPackage]:
    packages = read_lock(project_dir / "package-lock.yml")
    root = cache.cache_root()
    absent = cache.missing(packages, root)
    if absent:
        raise missing_error(absent, root)
    if install_dir.exists():
        shutil.rmtree(install_dir)
    install_dir.mkdir(parents=True)
    for package in packages:
        shutil.copytree(cache.cached_path(package, root), install_dir / package.name)
    link_local_packages(project_dir, install_dir)
    return packages


def link_local_packages(project_dir: Path, install_dir: Path) -> None:
    """Each `local:` package of the lock as a link to its folder inside the project (what
    `dbt deps` does), so an edit to the package is live without reinstalling.

    Raises:
        ConfigError: a local package's folder is missing or outside the project.
    """
    for package in read_local_packages(project_dir / "package-lock.yml"):
        folder = (project_dir / package.path).resolve()
        if not folder.is_relative_to(project_dir) or not (folder / "dbt_project.yml").is_file():
            raise ConfigError(
                f"package-lock.yml: local package {package.path} is not a dbt project inside "
                f"{project_dir}.",
                "Point `local:` at a folder of the project holding a dbt_project.yml.",
            )
        link = install_dir / package.name
        if link.is_symlink() or link.exists():
            link.unlink() if link.is_symlink() else shutil.rmtree(link)
        link.symlink_to(folder, target_is_directory=True)


def _dbt_deps(project_dir: Path) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt if dbt.exists() else "dbt"), "deps", "--project-dir", str(project_dir)],
        cwd=project_dir,
        check=False,
    )
    if result.returncode != 0:
        raise PackageError(
            f"`dbt deps` failed in {project_dir} (exit {result.returncode}).",
            f"Retry, or install from the offline cache with {SOURCE_ENV_VAR}=cache.",
        )


def install(
    project_dir: Path, install_dir: Path | None = None, force: bool = False
) -> InstallResult:
    """Install the lock's packages into `<project>/dbt_packages` unless already there."""
    project_dir = project_dir.resolve()
    install_dir = install_dir or project_dir / "dbt_packages"
    packages = read_lock(project_dir / "package-lock.yml")
    if not force and is_up_to_date(project_dir, install_dir):
        return InstallResult(project_dir, "up-to-date", packages)
    source = _chosen_source()
    if source == "hub":
        _dbt_deps(project_dir)
    else:
        install_from_cache(project_dir, install_dir)
    (install_dir / _MARKER).write_text(_marker_text(project_dir))
    log.info("installed %d dbt packages into %s from the %s", len(packages), install_dir, source)
    return InstallResult(project_dir, source, packages)


def edr_project_dir() -> Path:
    """edr's internal dbt project (inside the installed elementary-data package)."""
    from elementary.monitor.dbt_project_utils import CLI_DBT_PROJECT_PATH

    return Path(CLI_DBT_PROJECT_PATH)


def all_locked_packages(project_dir: Path) -> list[LockedPackage]:
    """Everything the project and edr's internal project need: what the cache must hold."""
    wanted = read_lock(project_dir / "package-lock.yml")
    wanted += read_lock(edr_project_dir() / "package-lock.yml")
    return sorted(set(wanted))
