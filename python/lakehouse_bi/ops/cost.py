"""Monthly cost estimate per job from its compute, runtime and frequency (config/cost/).

cost per run = hours billed x DBU per hour x price per DBU, where
- hours billed = (runtime + idle minutes until auto-stop, SQL warehouses only) / 60;
- DBU per hour = the warehouse size's DBU/h, or (workers + 1 driver) x the node type's DBU/h
  (x the Photon multiplier when `photon: true`);
- runtime = `runtime_minutes`, else `overhead_minutes` + `data_volume_gb` x `minutes_per_gb`,
  else a measured dbt run's `elapsed_time` (run_results.json) x a volume factor.
monthly = cost per run x runs per month (hourly 730, daily 30.4, weekly 4.35, monthly 1:
an average month of 365.25 / 12 days).

Classic compute (job clusters, classic/pro warehouses) also pays the cloud provider for the
VMs; this estimate is the Databricks DBU part only, and says so per job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lakehouse_bi.errors import ConfigError

DAYS_PER_MONTH = 365.25 / 12
RUNS_PER_MONTH = {
    "hourly": 24 * DAYS_PER_MONTH,
    "daily": DAYS_PER_MONTH,
    "weekly": DAYS_PER_MONTH / 7,
    "monthly": 1.0,
}
SERVERLESS_SKUS = {"sql_serverless", "jobs_serverless"}


@dataclass(frozen=True)
class JobEstimate:
    job: str
    compute: str
    runtime_minutes: float
    billed_minutes: float
    runs_per_month: float
    dbu_per_hour: float
    price_per_dbu: float
    dbu_per_month: float
    cost_per_run: float
    cost_per_month: float
    runtime_source: str
    note: str


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"No cost file at {path}.", "Pass the file, or use config/cost/.")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}", "Fix the file.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping.", "See config/cost/ for the layout.")
    return data


def _number(value: Any, where: str, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number, got {value!r}.", f"Fix {where}.")
    if value < 0 or (positive and value == 0):
        raise ConfigError(f"{where} must be {'positive' if positive else '>= 0'}.", f"Fix {where}.")
    return float(value)


def _lookup(table: dict[str, Any], key: Any, where: str) -> float:
    if key not in table:
        raise ConfigError(
            f"{where}: {key!r} is not in the rates file.",
            f"Use one of: {', '.join(map(str, table))}, or add it with its source.",
        )
    return _number(table[key], f"{where} rate for {key}")


def measured_minutes(run_results: Path) -> float:
    """Wall-clock minutes of a dbt invocation: run_results.json's `elapsed_time` (seconds)."""
    if not run_results.is_file():
        raise ConfigError(
            f"No run_results.json at {run_results}.", "Run dbt first or fix the path."
        )
    data = json.loads(run_results.read_text())
    if "elapsed_time" not in data:
        raise ConfigError(f"{run_results} has no elapsed_time.", "Pass a dbt run_results.json.")
    return float(data["elapsed_time"]) / 60


def _runtime(job: dict[str, Any], where: str) -> tuple[float, str]:
    if "runtime_minutes" in job:
        return _number(job["runtime_minutes"], f"{where}.runtime_minutes"), "configured"
    if "data_volume_gb" in job:
        volume = _number(job["data_volume_gb"], f"{where}.data_volume_gb", positive=False)
        per_gb = _number(job.get("minutes_per_gb"), f"{where}.minutes_per_gb")
        overhead = _number(job.get("overhead_minutes", 0), f"{where}.overhead_minutes", False)
        return overhead + volume * per_gb, f"{volume:g} GB x {per_gb:g} min/GB + {overhead:g}"
    raise ConfigError(
        f"{where} has neither runtime_minutes nor data_volume_gb.",
        "Give one, or measure it: --run-results target/run_results.json --job <name>.",
    )


def _runs(job: dict[str, Any], where: str) -> float:
    if "runs_per_month" in job:
        return _number(job["runs_per_month"], f"{where}.runs_per_month")
    schedule = job.get("schedule")
    if schedule not in RUNS_PER_MONTH:
        raise ConfigError(
            f"{where}.schedule is {schedule!r}.",
            f"Use runs_per_month or schedule: {', '.join(RUNS_PER_MONTH)}.",
        )
    return RUNS_PER_MONTH[schedule]


def estimate_job(
    job: dict[str, Any], rates: dict[str, Any], measured: tuple[float, str] | None = None
) -> JobEstimate:
    """One job's estimate; `measured` = (runtime minutes, where from) overrides its runtime."""
    where = f"job {job.get('name', '?')}"
    compute = job.get("compute") or {}
    prices = rates["prices_per_dbu"]["skus"]
    runtime, source = measured or _runtime(job, where)
    sku = compute.get("sku")
    price = _lookup(prices, sku, f"{where}.compute.sku")
    idle = 0.0
    if compute.get("type") == "sql_warehouse":
        dbu_hour = _lookup(
            rates["sql_warehouse_dbu_per_hour"]["sizes"], compute.get("size"), f"{where}.size"
        )
        idle = _number(compute.get("idle_minutes", 0), f"{where}.compute.idle_minutes", False)
        label = f"SQL warehouse {compute['size']} ({sku})"
    elif compute.get("type") == "job_cluster":
        nodes = rates["node_dbu_per_hour"]
        per_node = _lookup(nodes["nodes"], compute.get("node_type"), f"{where}.node_type")
        workers = _number(compute.get("workers", 0), f"{where}.compute.workers", False)
        dbu_hour = per_node * (workers + 1)
        if compute.get("photon"):
            dbu_hour *= _number(nodes["photon_multiplier"], "photon_multiplier")
        label = f"job cluster {workers:g}+1 x {compute['node_type']} ({sku})"
    else:
        raise ConfigError(
            f"{where}.compute.type is {compute.get('type')!r}.", "Use sql_warehouse or job_cluster."
        )
    runs = _runs(job, where)
    billed = runtime + idle
    dbu_run = billed / 60 * dbu_hour
    note = (
        "compute included"
        if sku in SERVERLESS_SKUS
        else "DBUs only: VM cost is billed by the cloud"
    )
    return JobEstimate(
        job=str(job.get("name")),
        compute=label,
        runtime_minutes=round(runtime, 2),
        billed_minutes=round(billed, 2),
        runs_per_month=round(runs, 2),
        dbu_per_hour=dbu_hour,
        price_per_dbu=price,
        dbu_per_month=round(dbu_run * runs, 2),
        cost_per_run=round(dbu_run * price, 4),
        cost_per_month=round(dbu_run * price * runs, 2),
        runtime_source=source,
        note=note,
    )


def estimate(
    jobs_file: Path,
    rates_file: Path,
    measured: dict[str, tuple[float, str]] | None = None,
) -> tuple[list[JobEstimate], dict[str, Any]]:
    """Estimates for every job of `jobs_file`, and the rates file's source/date metadata.
    `measured` maps job names to (minutes, source); a name not in the file is a ConfigError."""
    jobs = _load(jobs_file).get("jobs") or []
    rates = _load(rates_file)
    for block in ("prices_per_dbu", "sql_warehouse_dbu_per_hour", "node_dbu_per_hour"):
        if block not in rates or not rates[block].get("source") or not rates[block].get("as_of"):
            raise ConfigError(
                f"{rates_file}: {block} is missing, or has no source or as_of.",
                "Every rate block names where its numbers come from and when.",
            )
    names = [str(job.get("name")) for job in jobs]
    for name in measured or {}:
        if name not in names:
            raise ConfigError(
                f"--job {name!r} is not in {jobs_file}.", f"Use one of: {', '.join(names)}."
            )
    estimates = [
        estimate_job(job, rates, (measured or {}).get(str(job.get("name")))) for job in jobs
    ]
    sources = {
        block: {key: rates[block].get(key) for key in ("source", "as_of", "verified")}
        for block in ("prices_per_dbu", "sql_warehouse_dbu_per_hour", "node_dbu_per_hour")
    }
    return estimates, sources


def spec_problems(project_dir: Path) -> list[str]:
    """Problems of the cost spec files (config/cost/jobs.yml, dbu_rates.yml) for
    `lakehouse-bi validate`: each names the file and key; [] when both are valid. Checking
    stops at the first problem (the estimate needs every earlier key to be right)."""
    folder = project_dir / "config/cost"
    try:
        estimate(folder / "jobs.yml", folder / "dbu_rates.yml")
    except ConfigError as error:
        named = "jobs.yml" in error.message or "dbu_rates.yml" in error.message
        return [error.message if named else f"config/cost/jobs.yml: {error.message}"]
    return []
