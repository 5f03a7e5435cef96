"""Read a dbt `package-lock.yml` into the exact packages and versions to install."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from lakehouse_bi.errors import ConfigError


@dataclass(frozen=True, order=True)
class LockedPackage:
    """One hub package pinned to one version, e.g. dbt-labs/dbt_utils 1.4.1 -> dbt_utils."""

    hub_name: str
    version: str
    name: str

    @property
    def cache_key(self) -> str:
        return f"{self.hub_name.replace('/', '__')}/{self.version}"

    def __str__(self) -> str:
        return f"{self.hub_name} {self.version}"


@dataclass(frozen=True, order=True)
class LocalPackage:
    """A package inside the project (`local: packages/lakehouse` -> lakehouse), installed as a
    link to its folder, as `dbt deps` installs it."""

    path: str  # relative to the project
    name: str

    def __str__(self) -> str:
        return f"local {self.path}"


def read_local_packages(path: Path) -> list[LocalPackage]:
    """The `local:` entries of a lock file (read_lock gives the hub ones).

    Raises:
        ConfigError: a local entry without a name (dbt 1.11 writes one).
    """
    data = yaml.safe_load(path.read_text()) or {} if path.is_file() else {}
    packages = []
    for index, entry in enumerate(data.get("packages") or []):
        if "local" not in entry:
            continue
        if not entry.get("name"):
            raise ConfigError(
                f"{path}: entry {index} ({entry}) is a local package without a `name`.",
                "Add `name: <the package's project name>` (dbt deps writes it).",
            )
        packages.append(LocalPackage(str(entry["local"]), str(entry["name"])))
    return packages


def read_lock(path: Path) -> list[LockedPackage]:
    """Hub packages pinned in a lock file, with exact versions (local packages: see
    read_local_packages; any other kind is an error)."""
    if not path.is_file():
        raise ConfigError(
            f"{path} does not exist.",
            "Run `dbt deps --lock` where the dbt hub is reachable, and commit package-lock.yml.",
        )
    data = yaml.safe_load(path.read_text()) or {}
    packages = []
    for index, entry in enumerate(data.get("packages") or []):
        if "local" in entry:
            continue
        hub_name, version = entry.get("package"), entry.get("version")
        if not hub_name or not isinstance(version, str | int | float):
            raise ConfigError(
                f"{path}: entry {index} ({entry}) is not a hub package with an exact version.",
                "Offline installs support `package:` entries pinned to one version, and `local:`.",
            )
        # dbt 1.11 writes `name`; older locks (edr's own) do not: the hub name's tail is the
        # project name by hub convention, which is also how edr itself resolves it.
        name = entry.get("name") or hub_name.split("/")[-1]
        packages.append(LockedPackage(hub_name, str(version), name))
    return packages


def lock_hash(path: Path) -> str:
    """The `sha1_hash` dbt wrote into the lock: identifies the packages.yml it was locked from."""
    return str((yaml.safe_load(path.read_text()) or {}).get("sha1_hash", ""))
