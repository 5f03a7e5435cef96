"""Actual spend per dbt model from the Databricks system tables (`lakehouse-bi cost actual`).

One SQL statement (sql/cost_per_model.sql) runs through the statement execution API
(`w.statement_execution.execute_statement`, POST /api/2.0/sql/statements, databricks-sdk
0.117) on a SQL warehouse. It prices each warehouse usage window of `system.billing.usage` at
the effective list price of `system.billing.list_prices`, and splits it among the statements
of `system.query.history` that ran on the warehouse in that window by their time inside it;
the statements' query tags (dbt-databricks `query_tags`: the profile's project / target / job
run ids, dbt_project.yml's layer, the adapter's @@dbt_model_name) name the model. Sources and
the method's limits: docs/OBSERVABILITY.md, "Cost attribution".

Amounts are Decimal (DBUs and the currency of the price list, 6 decimals); list prices, not a
negotiated discount. Without a workspace (DATABRICKS_HOST unset) the command says so and shows
the offline estimate (lakehouse_bi.ops.cost).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lakehouse_bi.errors import ConfigError, WarehouseError

SQL_FILE = Path(__file__).parent / "sql" / "cost_per_model.sql"
WAREHOUSE_ID_ENV = "DATABRICKS_WAREHOUSE_ID"
_HTTP_PATH_WAREHOUSE = re.compile(r"/sql/1\.0/warehouses/([0-9A-Za-z]+)")
SYSTEM_TABLES = ("system.billing.usage", "system.billing.list_prices", "system.query.history")
# Each statement the command sends is tagged, so its own cost is visible in query history and
# not counted as the project's (it carries no `project` tag).
COMMAND_TAG = ("lakehouse_bi_command", "cost actual")
GRANTS = (
    "CAN USE on the SQL warehouse; USE CATALOG on catalog `system`; USE SCHEMA on "
    "`system.billing` and `system.query`; SELECT on " + ", ".join(SYSTEM_TABLES)
)
WAIT_TIMEOUT = "50s"  # the API's longest synchronous wait; then the command polls
_RUNNING = {"PENDING", "RUNNING"}
_PRIVILEGE = re.compile(r"does not have (\w+(?: \w+)?) (?:privilege )?on (\w+) '?`?([\w.`]+)", re.I)


@dataclass(frozen=True)
class Window:
    """Usage windows starting in [start, end) (UTC)."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def last_days(cls, days: int, now: dt.datetime | None = None) -> Window:
        """The `days` days before `now` (default: the current UTC hour, as billing windows are
        hourly). ConfigError for days < 1."""
        if days < 1:
            raise ConfigError(f"--days {days}: the window needs a day or more.", "Use --days 1+.")
        end = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
        end = end.replace(minute=0, second=0, microsecond=0)
        return cls(end - dt.timedelta(days=days), end)


@dataclass(frozen=True)
class CostRow:
    """One row of the query: `row_kind` model (the project's statements, per target, layer and
    model; model None for run hooks), other_workloads (everything else on the same warehouses)
    or idle (billed windows in which no statement ran)."""

    row_kind: str
    target: str | None
    layer: str | None
    model: str | None
    materialized: str | None
    currency_code: str | None
    statements: int
    busy_ms: int
    dbus: Decimal
    list_cost: Decimal


@dataclass
class Attribution:
    """The query's answer with what it was asked."""

    window: Window
    project: str
    target: str
    job_run_id: str
    warehouse_id: str
    statement_id: str | None
    rows: list[CostRow] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[CostRow]:
        return [row for row in self.rows if row.row_kind == kind]

    def total(self, kind: str) -> Decimal:
        """Sum of list_cost over the rows of `kind`."""
        return sum((row.list_cost for row in self.of_kind(kind)), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: decimals as strings (exact), times as ISO 8601 UTC."""

        def row(item: CostRow) -> dict[str, Any]:
            data = asdict(item)
            data["dbus"], data["list_cost"] = str(item.dbus), str(item.list_cost)
            return data

        return {
            "source": "system tables",
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "project": self.project,
            "target": self.target or None,
            "job_run_id": self.job_run_id or None,
            "warehouse_id": self.warehouse_id,
            "statement_id": self.statement_id,
            "models": [row(r) for r in self.of_kind("model")],
            "other_workloads": [row(r) for r in self.of_kind("other_workloads")],
            "idle": [row(r) for r in self.of_kind("idle")],
            "totals": {
                kind: str(self.total(kind)) for kind in ("model", "other_workloads", "idle")
            },
        }


def attribution_sql() -> str:
    """The attribution statement (Databricks SQL with :named parameter markers)."""
    return SQL_FILE.read_text(encoding="utf-8")


def workspace_configured(env: Mapping[str, str]) -> bool:
    """A workspace is configured when DATABRICKS_HOST is set (credentials are checked when the
    client is built: lakehouse_bi.ops.workspace.client_settings)."""
    return bool(env.get("DATABRICKS_HOST"))


def warehouse_id_from(env: Mapping[str, str], option: str | None = None) -> str:
    """The warehouse that runs the query: --warehouse-id, else DATABRICKS_WAREHOUSE_ID, else the
    id in DATABRICKS_HTTP_PATH (/sql/1.0/warehouses/<id>, the dbt profiles' setting)."""
    if option:
        return option
    if env.get(WAREHOUSE_ID_ENV):
        return env[WAREHOUSE_ID_ENV]
    match = _HTTP_PATH_WAREHOUSE.search(env.get("DATABRICKS_HTTP_PATH", ""))
    if match:
        return match.group(1)
    raise ConfigError(
        "No SQL warehouse to run the cost query on.",
        f"Pass --warehouse-id, or set {WAREHOUSE_ID_ENV} or DATABRICKS_HTTP_PATH "
        "(/sql/1.0/warehouses/<id>).",
    )


def run_results_scope(path: Path) -> tuple[str, Window, str | None]:
    """(job run id, window, target) of a dbt run_results.json written in a Databricks dbt task:
    dbt-databricks (1.12.1+) puts job_run_id in each result's adapter_response. The window spans
    the usage hours of the run (generated_at minus elapsed_time, floored to the hour, to
    generated_at plus an hour). ConfigError when the file has no or several job run ids."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path} is not a readable run_results.json: {error}") from None
    run_ids = {
        str(run_id)
        for result in data.get("results") or []
        if (run_id := (result.get("adapter_response") or {}).get("job_run_id"))
    }
    if len(run_ids) != 1:
        raise ConfigError(
            f"{path}: {'no' if not run_ids else len(run_ids)} job_run_id in adapter_response "
            f"({', '.join(sorted(run_ids))}).".replace(" ()", ""),
            "Use the run_results.json of a Databricks dbt task run (dbt-databricks 1.12.1+ "
            "records job_run_id there), or pass --job-run-id.",
        )
    generated = dt.datetime.fromisoformat(data["metadata"]["generated_at"].replace("Z", "+00:00"))
    started = generated - dt.timedelta(seconds=float(data.get("elapsed_time") or 0))
    start = started.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    window = Window(start, generated.astimezone(dt.timezone.utc) + dt.timedelta(hours=1))
    return run_ids.pop(), window, (data.get("args") or {}).get("target")


def statement_parameters(
    window: Window, project: str, target: str = "", job_run_id: str = ""
) -> list[Any]:
    """The named parameters of the statement (StatementParameterListItem)."""
    from databricks.sdk.service.sql import StatementParameterListItem as Item

    def stamp(value: dt.datetime) -> str:  # explicit offset: whatever the session time zone
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")

    return [
        Item(name="window_start", value=stamp(window.start), type="TIMESTAMP"),
        Item(name="window_end", value=stamp(window.end), type="TIMESTAMP"),
        Item(name="project", value=project, type="STRING"),
        Item(name="target", value=target, type="STRING"),
        Item(name="job_run_id", value=job_run_id, type="STRING"),
    ]


def explain_failure(message: str, warehouse_id: str) -> WarehouseError:
    """A failed statement's error as a WarehouseError whose hint names the grant it lacks."""
    first = (message.strip().splitlines() or ["(no message)"])[0][:300]
    privilege = _PRIVILEGE.search(message)
    if privilege or re.search(r"INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED", message):
        grant = ""
        if privilege:
            what, kind, name = privilege.groups()
            grant = f"GRANT {what.upper()} ON {kind.upper()} {name.strip('`')} TO <principal>; "
        return WarehouseError(
            f"The cost query was refused on the system tables: {first}",
            f"{grant}the principal needs {GRANTS} (an account or metastore admin grants them; "
            "docs/OBSERVABILITY.md 'Cost attribution').",
        )
    if re.search(r"TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND", message):
        return WarehouseError(
            f"A system table the cost query reads is missing: {first}",
            "An account admin enables the `billing` and `query` system schemas (query history "
            f"is in Public Preview) and grants {GRANTS}.",
        )
    return WarehouseError(f"The cost query failed on warehouse {warehouse_id}: {first}")


def _sdk(what: str, warehouse_id: str, call: Callable[[], Any]) -> Any:
    from databricks.sdk.errors import DatabricksError, NotFound, PermissionDenied

    try:
        return call()
    except PermissionDenied as error:
        raise WarehouseError(
            f"Databricks refused to {what}: {str(error).splitlines()[0][:300]}",
            f"Give the principal CAN USE on SQL warehouse {warehouse_id}; the query itself "
            f"needs {GRANTS}.",
        ) from None
    except NotFound as error:
        raise WarehouseError(
            f"Databricks could not {what}: {str(error).splitlines()[0][:300]}",
            f"Check the warehouse id {warehouse_id!r} (--warehouse-id, {WAREHOUSE_ID_ENV} or "
            "DATABRICKS_HTTP_PATH).",
        ) from None
    except (DatabricksError, TimeoutError, OSError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        raise WarehouseError(f"Databricks API call failed: {what}: {first}") from None


def _rows(columns: list[str], data: list[list[str | None]]) -> list[CostRow]:
    rows = []
    for values in data:
        item = dict(zip(columns, values, strict=True))
        rows.append(
            CostRow(
                row_kind=str(item["row_kind"]),
                target=item["target"],
                layer=item["layer"],
                model=item["model"],
                materialized=item["materialized"],
                currency_code=item["currency_code"],
                statements=int(item["statements"] or 0),
                busy_ms=int(item["busy_ms"] or 0),
                dbus=Decimal(item["dbus"] or "0"),
                list_cost=Decimal(item["list_cost"] or "0"),
            )
        )
    return rows


def fetch_attribution(
    client: Any,
    warehouse_id: str,
    window: Window,
    project: str,
    target: str = "",
    job_run_id: str = "",
    *,
    timeout_seconds: float = 600,
    poll_seconds: float = 5,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Attribution:
    """Run the attribution statement on `warehouse_id` with a WorkspaceClient `client`; wait
    (synchronously up to 50 s, then polling every `poll_seconds`) up to `timeout_seconds`; read
    every result chunk. Raises WarehouseError for a refused call (naming the grant), a failed,
    canceled or timed-out statement."""
    from databricks.sdk.service.sql import (
        Disposition,
        ExecuteStatementRequestOnWaitTimeout,
        Format,
        QueryTag,
    )

    response = _sdk(
        f"run the cost query on SQL warehouse {warehouse_id}",
        warehouse_id,
        lambda: client.statement_execution.execute_statement(
            statement=attribution_sql(),
            warehouse_id=warehouse_id,
            parameters=statement_parameters(window, project, target, job_run_id),
            disposition=Disposition.INLINE,
            format=Format.JSON_ARRAY,
            wait_timeout=WAIT_TIMEOUT,
            on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
            query_tags=[QueryTag(key=COMMAND_TAG[0], value=COMMAND_TAG[1])],
        ),
    )
    statement_id = response.statement_id
    deadline = clock() + timeout_seconds
    while response.status and response.status.state and response.status.state.value in _RUNNING:
        if clock() >= deadline:
            raise WarehouseError(
                f"The cost query (statement {statement_id}) still runs after "
                f"{timeout_seconds:g} s.",
                "A cold warehouse or a long window: retry, or narrow --days.",
            )
        sleep(poll_seconds)
        response = _sdk(
            f"read statement {statement_id}",
            warehouse_id,
            lambda: client.statement_execution.get_statement(statement_id),
        )
    state = response.status.state.value if response.status and response.status.state else "?"
    if state != "SUCCEEDED":
        error = response.status.error if response.status else None
        message = (error.message if error else None) or f"statement {statement_id} ended {state}"
        raise explain_failure(message, warehouse_id)
    schema = response.manifest.schema if response.manifest else None
    columns = [c.name for c in (schema.columns or [])] if schema else []
    result = response.result
    data = list(result.data_array or []) if result else []
    while result is not None and result.next_chunk_index is not None:
        index = result.next_chunk_index
        result = _sdk(
            f"read result chunk {index} of statement {statement_id}",
            warehouse_id,
            lambda index=index: client.statement_execution.get_statement_result_chunk_n(
                statement_id, index
            ),
        )
        data += list(result.data_array or [])
    return Attribution(
        window, project, target, job_run_id, warehouse_id, statement_id, _rows(columns, data)
    )
