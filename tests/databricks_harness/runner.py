"""Run the real dbt-databricks adapter in-process against a FakeWarehouse."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from unittest import mock

import yaml

from .fake_connection import FakeWarehouse, RecordedStatement

FAKE_HOST = "dbc-fake.cloud.databricks.com"
FAKE_HTTP_PATH = "/sql/1.0/warehouses/fake0000warehouse"
TOKEN_ENV_VAR = "LAKEHOUSE_BI_FAKE_DATABRICKS_TOKEN"


# Top-level entries of the project folder that are not part of the dbt project.
_NOT_PROJECT = {".venv", ".git", "target", "logs", "data", "reports", "profiles.yml", ".user.yml"}


def copy_project(source: Path, destination: Path) -> Path:
    """Snapshot the dbt project (with its installed dbt_packages) so that edits made while the
    test runs, and dbt's own outputs, stay out of each other's way."""

    def ignore(folder: str, names: list[str]) -> list[str]:
        top = Path(folder) == source
        return [
            n
            for n in names
            if (top and n in _NOT_PROJECT) or n == "__pycache__" or n.endswith((".duckdb", ".wal"))
        ]

    shutil.copytree(source, destination, ignore=ignore)
    return destination


class DbtRunError(AssertionError):
    def __init__(self, args: Sequence[str], messages: list[str], exception: BaseException | None):
        self.messages = messages
        detail = "\n".join(messages) or repr(exception)
        super().__init__(f"dbt {' '.join(args)} failed:\n{detail}")


def write_profile(
    profiles_dir: Path,
    profile_name: str,
    *,
    catalog: str,
    schema: str,
    target: str = "prod",
    threads: int = 1,
) -> Path:
    """A Databricks profile pointing at the fake host; the token is read from TOKEN_ENV_VAR."""
    profiles_dir.mkdir(parents=True, exist_ok=True)
    profile = {
        profile_name: {
            "target": target,
            "outputs": {
                target: {
                    "type": "databricks",
                    "host": FAKE_HOST,
                    "http_path": FAKE_HTTP_PATH,
                    "token": "{{ env_var('" + TOKEN_ENV_VAR + "') }}",
                    "catalog": catalog,
                    "schema": schema,
                    "threads": threads,
                    "connect_retries": 0,
                }
            },
        }
    }
    path = profiles_dir / "profiles.yml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return path


@contextlib.contextmanager
def patched_connector(warehouse: FakeWarehouse) -> Iterator[None]:
    """Route `databricks.sql.connect` to the fake and keep the adapter off the network."""
    from dbt.adapters.databricks.spog import probe

    # The SPOG discovery probe GETs https://<host>/.well-known/databricks-config; answer as a
    # legacy (non-SPOG) workspace without touching the network.
    legacy_host = probe.HostMetadata(host_type=None)
    with (
        mock.patch("databricks.sql.connect", warehouse.connect),
        mock.patch.object(probe, "probe_host", lambda host: legacy_host),
    ):
        yield


def record_dbt(
    project_dir: Path,
    profiles_dir: Path,
    args: Sequence[str],
    *,
    warehouse: FakeWarehouse,
    label: str,
    target_path: Path | None = None,
    log_path: Path | None = None,
    allow_failure: bool = False,
) -> list[RecordedStatement]:
    """Run `dbt <args>` in-process with the fake connector; return the statements it sent.

    Pass the same `warehouse` to consecutive calls so later runs see earlier tables.
    """
    from dbt.cli.main import dbtRunner

    cli = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
    ]
    if target_path:
        cli += ["--target-path", str(target_path)]
    if log_path:
        cli += ["--log-path", str(log_path)]
    start = len(warehouse.statements)
    warehouse.invocation = label
    env = {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        TOKEN_ENV_VAR: os.environ.get(TOKEN_ENV_VAR, "dapi-fake-token"),  # the profile reads it
    }
    with patched_connector(warehouse), mock.patch.dict(os.environ, env):
        result = dbtRunner().invoke(cli)
    if not result.success and not allow_failure:
        raise DbtRunError(cli, _failure_messages(result), result.exception)
    return warehouse.statements[start:]


def _failure_messages(result: object) -> list[str]:
    messages, skipped = [], 0
    for node_result in getattr(getattr(result, "result", None), "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status in ("error", "fail", "runtime error"):
            node = getattr(node_result, "node", None)  # run-operation results have none
            name = node.unique_id if node is not None else getattr(node_result, "unique_id", "")
            messages.append(f"{name}: {status}: {node_result.message}")
        skipped += status == "skipped"
    if skipped:
        messages.append(f"({skipped} nodes skipped)")
    return messages
