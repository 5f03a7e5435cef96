"""One small interface over the two engines: any DB-API 2.0 connection (DuckDB locally,
databricks-sql-connector on Databricks) that runs a query and returns its rows."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse_bi.errors import ConfigError


@dataclass
class Warehouse:
    """A DB-API connection and the engine it talks to. The health SQL is written to run
    unchanged on both engines; relation names come already quoted from the manifest."""

    connection: Any
    engine: str

    def query(self, sql: str) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def records(self, sql: str) -> list[dict[str, Any]]:
        """The rows of `sql` as {column name: value}, names as the cursor describes them."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# databricks-sql-connector retries transient failures itself (429/503 with Retry-After,
# connection errors on idempotent requests; `databricks/sql/auth/retry.py`). Its defaults
# allow 30 attempts over 900 s, longer than an operations command should hang: these bound
# it, within the ranges the connector accepts (`_retry_policy` in
# `databricks/sql/backend/thrift_backend.py` at 4.4.0). No second loop is wrapped around it.
SQL_RETRY_POLICY = {
    "_retry_stop_after_attempts_count": 5,
    "_retry_stop_after_attempts_duration": 120.0,
    "_retry_delay_min": 1.0,
    "_retry_delay_max": 10.0,
    "_retry_delay_default": 5.0,
    "_socket_timeout": 60.0,
}


DUCKDB_PATH_ENV = "LAKEHOUSE_BI_DUCKDB_PATH"


def open_duckdb(database: Path) -> Any:
    """A read-only duckdb connection to `database`. Raises ConfigError naming the file and
    LAKEHOUSE_BI_DUCKDB_PATH when it is missing, not a DuckDB database, or cannot be opened
    (e.g. locked by a running build)."""
    import duckdb

    if not database.is_file():
        raise ConfigError(
            f"No DuckDB database at {database}.",
            f"Build it first (`make build` or `dbt build`), or set {DUCKDB_PATH_ENV}.",
        )
    try:
        return duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        raise ConfigError(
            f"{database} cannot be opened as a DuckDB database ({DUCKDB_PATH_ENV}): {first}",
            f"Point {DUCKDB_PATH_ENV} at the warehouse `dbt build` writes (default "
            "data/lakehouse_bi.duckdb), or rebuild it with `make build`; if a build is "
            "running, wait for it to finish.",
        ) from None


def connect_duckdb(database: Path) -> Warehouse:
    """The local warehouse, read-only; ConfigError as open_duckdb."""
    return Warehouse(open_duckdb(database), "duckdb")


def _service_principal(host: str, client_id: str, client_secret: str) -> Callable[[], Any]:
    """OAuth machine-to-machine, resolved by the connector when it connects (building the
    SDK config earlier would already call the workspace)."""

    def credentials_provider() -> Any:
        from databricks.sdk.core import Config, oauth_service_principal

        config = Config(host=f"https://{host}", client_id=client_id, client_secret=client_secret)
        return oauth_service_principal(config)

    return credentials_provider


def _databricks_credentials(env: Mapping[str, str], host: str) -> dict[str, Any]:
    """A personal access token when given, else a service principal -- the same env vars as
    the dbt profiles."""
    if env.get("DATABRICKS_TOKEN"):
        return {"access_token": env["DATABRICKS_TOKEN"]}
    if env.get("DATABRICKS_CLIENT_ID") and env.get("DATABRICKS_CLIENT_SECRET"):
        provider = _service_principal(
            host, env["DATABRICKS_CLIENT_ID"], env["DATABRICKS_CLIENT_SECRET"]
        )
        return {"credentials_provider": provider}
    raise ConfigError(
        "No Databricks credentials in the environment.",
        "Set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET "
        "(see .env.example).",
    )


def connect_databricks(
    env: Mapping[str, str] | None = None, connect: Callable[..., Any] | None = None
) -> Warehouse:
    """A SQL warehouse connection from DATABRICKS_HOST / DATABRICKS_HTTP_PATH and credentials.
    `connect` defaults to `databricks.sql.connect` (tests pass a fake)."""
    env = os.environ if env is None else env
    missing = [name for name in ("DATABRICKS_HOST", "DATABRICKS_HTTP_PATH") if not env.get(name)]
    if missing:
        raise ConfigError(
            f"Missing {', '.join(missing)} for the Databricks health check.",
            "Set them as for the dbt profiles (see .env.example).",
        )
    host = env["DATABRICKS_HOST"].removeprefix("https://").rstrip("/")
    if connect is None:
        from databricks import sql

        connect = sql.connect
    connection = connect(
        server_hostname=host,
        http_path=env["DATABRICKS_HTTP_PATH"],
        **_databricks_credentials(env, host),
        **SQL_RETRY_POLICY,
    )
    return Warehouse(connection, "databricks")


def connect_for(engine: str, duckdb_path: Path) -> Warehouse:
    """The warehouse a manifest was compiled for (its adapter type)."""
    if engine == "duckdb":
        return connect_duckdb(duckdb_path)
    if engine == "databricks":
        return connect_databricks()
    raise ConfigError(
        f"No health-check connection for adapter {engine!r}.",
        "Use a manifest compiled for the local (DuckDB) or a Databricks target.",
    )
