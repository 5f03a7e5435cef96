"""The Databricks workspace client (databricks-sdk) with the project's retry policy.

The SDK already retries what is transient (HTTP 429 and 503 honouring Retry-After,
connection errors; `databricks/sdk/retries.py` and `_base_client.py` at v0.117.0) until
`retry_timeout_seconds` (SDK default 300 s) -- so no second retry loop is wrapped around it;
the project only bounds it: LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT (default 120 s) and a
per-request LAKEHOUSE_BI_DATABRICKS_HTTP_TIMEOUT (default 60 s). When the SDK gives up, the
error becomes a WarehouseError with a hint.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lakehouse_bi.errors import ConfigError, WarehouseError

RETRY_TIMEOUT_ENV = "LAKEHOUSE_BI_DATABRICKS_RETRY_TIMEOUT"
HTTP_TIMEOUT_ENV = "LAKEHOUSE_BI_DATABRICKS_HTTP_TIMEOUT"
DEFAULT_RETRY_TIMEOUT = 120
DEFAULT_HTTP_TIMEOUT = 60

T = TypeVar("T")


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{name}={raw!r} is not a positive number of seconds.", f"Fix {name}.")
    return int(raw)


def client_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for `databricks.sdk.WorkspaceClient`: host, credentials (a token,
    else a service principal: the dbt profiles' env vars) and the retry bounds."""
    env = os.environ if env is None else env
    host = env.get("DATABRICKS_HOST")
    if not host:
        raise ConfigError(
            "DATABRICKS_HOST is not set.", "Set it and a token or service principal (.env.example)."
        )
    if "://" not in host:
        host = f"https://{host}"
    settings: dict[str, Any] = {
        "host": host,
        "retry_timeout_seconds": _seconds(env, RETRY_TIMEOUT_ENV, DEFAULT_RETRY_TIMEOUT),
        "http_timeout_seconds": _seconds(env, HTTP_TIMEOUT_ENV, DEFAULT_HTTP_TIMEOUT),
    }
    if env.get("DATABRICKS_TOKEN"):
        settings["token"] = env["DATABRICKS_TOKEN"]
    elif env.get("DATABRICKS_CLIENT_ID") and env.get("DATABRICKS_CLIENT_SECRET"):
        settings["client_id"] = env["DATABRICKS_CLIENT_ID"]
        settings["client_secret"] = env["DATABRICKS_CLIENT_SECRET"]
    else:
        raise ConfigError(
            "No Databricks credentials in the environment.",
            "Set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET.",
        )
    return settings


def workspace_client(env: Mapping[str, str] | None = None) -> Any:
    """A WorkspaceClient whose `Config` is built from `client_settings(env)` (explicit
    host and credentials: a developer's ~/.databrickscfg profile is not picked up)."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config

    return WorkspaceClient(config=Config(**client_settings(env)))


def sdk_call(what: str, call: Callable[[], T]) -> T:
    """Run one SDK call; its failures (after the SDK's own retries) become WarehouseError
    naming `what` (e.g. 'list tables of main.gold')."""
    from databricks.sdk.errors import DatabricksError

    try:
        return call()
    except (DatabricksError, TimeoutError, RuntimeError, OSError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise WarehouseError(f"Databricks API call failed: {what}: {first_line[:300]}") from None
