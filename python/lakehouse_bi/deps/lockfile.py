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


def read_lock(path: Path) -> list[LockedPackage]:
    """Packages pinned in a lock file; only hub packages with exact versions are supported."""
    if not path.is_file():
        raise ConfigError(
            f"{path} does not exist.",
            "Run `dbt deps --lock` where the dbt hub is reachable, and commit package-lock.yml.",
        )
    data = yaml.safe_load(path.read_text()) or {}
    packages = []
    for index, entry in enumerate(data.get("packages") or []):
        hub_name, version = entry.get("package"), entry.get("version")
        if not hub_name or not isinstance(version, str | int | float):
            raise ConfigError(
                f"{path}: entry {index} ({entry}) is not a hub package with an exact version.",
                "Offline installs support `package:` entries pinned to one version only.",
            )
        # dbt 1.11 writes `name`; older locks (edr's own) do not: the hub name's tail is the
        # project name by hub convention, which is also how edr itself resolves it.
        name = entry.get("name") or hub_name.split("/")[-1]
        packages.append(LockedPackage(hub_name, str(version), name))
    return packages


def lock_hash(path: Path) -> str:
    """The `sha1_hash` dbt wrote into the lock: identifies the packages.yml it was locked from."""
    return str((yaml.safe_load(path.read_text()) or {}).get("sha1_hash", ""))
