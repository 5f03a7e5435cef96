"""The offline dbt package installer: lock parsing, cache filling, installing, clear errors."""

from __future__ import annotations

import copy
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from dbt.config.project import package_config_from_data
from dbt.task.deps import _create_sha1_hash

from lakehouse_bi.deps import cache, install
from lakehouse_bi.deps.lockfile import LockedPackage, read_lock
from lakehouse_bi.errors import ConfigError, PackageError

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(root))
    monkeypatch.setenv(install.SOURCE_ENV_VAR, "cache")
    return root


def _package_repo(path: Path, name: str, tags: dict[str, str]) -> Path:
    """A git repository whose tags hold a dbt project `name` with a marker macro."""
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for tag, body in tags.items():
        (path / "dbt_project.yml").write_text(f"name: {name}\nversion: '0.1.0'\n")
        (path / "macros").mkdir(exist_ok=True)
        (path / "macros/marker.sql").write_text(body)
        git = ["git", "-C", str(path), "-c", "user.email=t@t", "-c", "user.name=t"]
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", tag], check=True)
        subprocess.run([*git, "tag", tag], check=True)
    return path


def _project(path: Path, packages: list[dict]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "package-lock.yml").write_text(
        yaml.safe_dump({"packages": packages, "sha1_hash": "abc"})
    )
    return path


def test_lock_matches_packages_yml_as_dbt_deps_computes_it():
    # `dbt deps` hashes the packages as its Project holds them: rendered, each with its
    # unrendered entry attached (dbt/config/project.py, create_project). A lock whose hash
    # differs makes `dbt deps` re-resolve every package on the hub and rewrite the lock.
    declared = yaml.safe_load((PROJECT / "packages.yml").read_text())
    packages = package_config_from_data(copy.deepcopy(declared), declared)
    lock = yaml.safe_load((PROJECT / "package-lock.yml").read_text())
    assert lock["sha1_hash"] == _create_sha1_hash(packages.packages)

    def entries(listed):
        return {p.get("package") or p["local"]: str(p.get("version", "")) for p in listed}

    assert entries(lock["packages"]) == entries(declared["packages"])


def test_read_lock_derives_name_from_hub_name_when_absent(tmp_path):
    project = _project(tmp_path, [{"package": "dbt-labs/dbt_utils", "version": "0.8.6"}])
    assert read_lock(project / "package-lock.yml") == [
        LockedPackage("dbt-labs/dbt_utils", "0.8.6", "dbt_utils")
    ]


def test_read_lock_rejects_version_ranges(tmp_path):
    project = _project(tmp_path, [{"package": "a/b", "version": [">=1.0.0", "<2.0.0"]}])
    with pytest.raises(ConfigError, match="exact version"):
        read_lock(project / "package-lock.yml")


def test_fill_from_git_extracts_only_pinned_tags(tmp_path, cache_dir):
    repo = _package_repo(tmp_path / "repo", "fake_pkg", {"1.0.0": "one", "v2.0.0": "two"})
    wanted = [
        LockedPackage("acme/fake_pkg", "2.0.0", "fake_pkg"),
        LockedPackage("acme/other", "1.0.0", "other"),
    ]
    stored = cache.fill_from_git(repo, wanted)
    assert stored == [wanted[0]]
    assert (cache.cached_path(wanted[0]) / "macros/marker.sql").read_text() == "two"
    assert cache.missing(wanted) == [wanted[1]]


def test_fill_from_tarball_reads_version_from_file_name(tmp_path, cache_dir):
    source = tmp_path / "src/fake_pkg-1.2.3"
    source.mkdir(parents=True)
    (source / "dbt_project.yml").write_text("name: fake_pkg\n")
    tarball = tmp_path / "fake_pkg-1.2.3.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(source, arcname="fake_pkg-1.2.3")
    wanted = [LockedPackage("acme/fake_pkg", "1.2.3", "fake_pkg")]
    assert cache.fill_from_tarball(tarball, wanted) == wanted
    assert cache.is_cached(wanted[0])


def test_install_from_cache_names_what_is_missing(tmp_path, cache_dir):
    project = _project(tmp_path / "proj", [{"package": "acme/fake_pkg", "version": "1.0.0"}])
    with pytest.raises(PackageError) as error:
        install.install(project)
    assert "acme/fake_pkg 1.0.0" in str(error.value)
    assert "lakehouse-bi deps cache-fill" in str(error.value)


def test_install_copies_cached_packages_then_is_up_to_date(tmp_path, cache_dir):
    repo = _package_repo(tmp_path / "repo", "fake_pkg", {"1.0.0": "one"})
    project = _project(tmp_path / "proj", [{"package": "acme/fake_pkg", "version": "1.0.0"}])
    cache.fill_from_git(repo, read_lock(project / "package-lock.yml"))

    first = install.install(project)
    assert first.source == "cache"
    assert (project / "dbt_packages/fake_pkg/macros/marker.sql").read_text() == "one"
    assert install.install(project).source == "up-to-date"

    # A changed lock invalidates the installed set.
    (project / "package-lock.yml").write_text(
        (project / "package-lock.yml").read_text().replace("abc", "def")
    )
    assert install.install(project).source == "cache"


def test_unknown_package_source_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(install.SOURCE_ENV_VAR, "ftp")
    project = _project(tmp_path / "proj", [{"package": "acme/fake_pkg", "version": "1.0.0"}])
    with pytest.raises(ConfigError, match="LAKEHOUSE_BI_DEPS_SOURCE"):
        install.install(project)
