"""Scenarios and the validated settings of one generator run."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from lakehouse_bi.errors import ConfigError


def utc_today() -> dt.date:
    """Return today's date in UTC: the last day of the default window.

    The generator's only clock read (tests patch it). UTC, like every landed timestamp, so
    the window does not shift with the machine's time zone.
    """
    return dt.datetime.now(dt.timezone.utc).date()


class OptionError(ConfigError):
    """A generator setting is invalid; `option` names the CLI option to fix."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class Scenario:
    name: str
    customers: int
    products: int
    orders: int
    web_events: int
    days: int


SCENARIOS: dict[str, Scenario] = {
    "small": Scenario("small", 2_000, 200, 20_000, 100_000, 90),
    "medium": Scenario("medium", 100_000, 5_000, 1_000_000, 5_000_000, 365),
    "large": Scenario("large", 1_000_000, 50_000, 10_000_000, 50_000_000, 365),
}

# Floors that keep tiny `--rows` runs meaningful (pools, Zipf tails, several sessions).
MIN_CUSTOMERS = 20
MIN_PRODUCTS = 10
# Batch ids carry a 4-digit sequence (b0000 is the initial load).
MAX_BATCHES = 9_999


@dataclass(frozen=True)
class CdcRates:
    """Per-batch rates of the daily CDC batches (`--batches N`); see docs/LANDING.md.

    Every rate is a probability in [0, 1], applied independently per eligible record (or per
    batch for `redeliver_rate`). The defaults give a batch of roughly 1% of a medium load.
    """

    update_rate: float = 0.5  # open orders (placed/shipped) that move one status step
    correction_rate: float = 0.002  # lines of recent orders whose quantity/discount is corrected
    delete_rate: float = 0.002  # recent orders deleted (with all their lines)
    late_rate: float = 0.03  # new orders placed 1-2 days before the batch day
    too_late_rate: float = 0.0  # new orders placed 5-10 days before the batch day
    duplicate_rate: float = 0.01  # orders/lines/web-event records written twice in a file
    redeliver_rate: float = 0.1  # probability that a batch re-delivers the previous orders file
    dim_change_rate: float = 0.002  # live customers/products with one attribute change
    dim_delete_rate: float = 0.0002  # live customers/products hard-deleted

    def to_json(self) -> dict:
        return asdict(self)


# CLI option of each rate, for error messages.
RATE_OPTIONS = {name: "--" + name.replace("_", "-") for name in CdcRates.__dataclass_fields__}
ANOMALY_OPTION = "--inject-anomalies"


@dataclass(frozen=True)
class GenerationConfig:
    scenario: str
    seed: int
    start_date: dt.date
    end_date: dt.date
    customers: int
    products: int
    orders: int
    web_events: int
    rows_override: int | None = None
    batches: int = 0  # daily CDC batches after the initial load
    rates: CdcRates = field(default_factory=CdcRates)
    inject_anomalies: float = 0.0  # extra invalid records per valid record, per entity/batch

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def batch_date(self, sequence: int) -> dt.date:
        """Day of CDC batch `sequence` (1..batches): the days right after the window."""
        return self.end_date + dt.timedelta(days=sequence)


def _check_rate(option: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionError(option, f"must be a number between 0 and 1, got {value!r}")
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise OptionError(option, f"must be between 0 and 1 (a fraction), got {value}")
    return float(value)


def resolve_rates(rates: Mapping[str, float] | None = None) -> CdcRates:
    """Defaults overridden by `rates` (keys: CdcRates fields), validated."""
    rates = dict(rates or {})
    unknown = sorted(set(rates) - set(RATE_OPTIONS))
    if unknown:
        raise OptionError(
            RATE_OPTIONS.get(unknown[0], unknown[0]),
            f"unknown rate(s) {', '.join(unknown)}; known: {', '.join(RATE_OPTIONS)}",
        )
    values = {k: _check_rate(RATE_OPTIONS[k], v) for k, v in rates.items() if v is not None}
    result = CdcRates(**values)
    if result.late_rate + result.too_late_rate > 1.0:
        raise OptionError(
            "--too-late-rate",
            f"--late-rate ({result.late_rate}) plus --too-late-rate ({result.too_late_rate}) "
            "exceeds 1: both are shares of the same new orders",
        )
    return result


def resolve_config(
    scenario: str = "small",
    *,
    seed: int = 42,
    rows: int | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    batches: int = 0,
    rates: Mapping[str, float] | None = None,
    inject_anomalies: float = 0.0,
) -> GenerationConfig:
    """Turn CLI-level choices into exact volumes and a date window, or raise OptionError.

    Without dates the window ends `batches` days before `utc_today()`, so the last landed
    day is today; with one date the other is derived from the scenario's length. Only
    explicit dates give the same window (and bytes) on every day.
    """
    if scenario not in SCENARIOS:
        choices = ", ".join(SCENARIOS)
        raise OptionError("--scenario", f"unknown scenario {scenario!r}; choose one of {choices}")
    spec = SCENARIOS[scenario]
    if rows is not None and rows <= 0:
        raise OptionError("--rows", f"must be a positive number of orders, got {rows}")
    if seed < 0:
        raise OptionError("--seed", f"must be >= 0, got {seed}")

    if isinstance(batches, bool) or not isinstance(batches, int) or batches < 0:
        raise OptionError("--batches", f"must be a whole number >= 0, got {batches!r}")
    if batches > MAX_BATCHES:
        raise OptionError("--batches", f"at most {MAX_BATCHES} batches, got {batches}")

    # A missing bound is derived from the other one and the scenario's length. With neither,
    # the data ends today (UTC): freshness SLAs and anomaly windows end "now". CDC batches
    # follow the window, so it ends `batches` days earlier and the last batch is today
    # (later orders would be quarantined as future_date). Only explicit dates reproduce a run.
    span = dt.timedelta(days=spec.days - 1)
    try:
        if start_date is None and end_date is None:
            end_date = utc_today() - dt.timedelta(days=batches)
        if start_date is None:
            assert end_date is not None
            start_date = end_date - span
        if end_date is None:
            end_date = start_date + span
    except OverflowError as exc:
        # The given bound is too close to year 1 or 9999 for the scenario's length.
        option = "--start-date" if end_date is None else "--end-date"
        raise OptionError(
            option, f"the {spec.days}-day {scenario} window would leave the years 1 to 9999"
        ) from exc
    if end_date < start_date:
        raise OptionError(
            "--end-date",
            f"end date {end_date} is before start date {start_date}; "
            "pass an --end-date on or after --start-date",
        )
    try:
        # Late records reach 10 days back; the last batch must still be a valid date.
        end_date + dt.timedelta(days=batches + 1)
        start_date - dt.timedelta(days=1)
    except OverflowError as exc:
        raise OptionError("--batches", "batch dates would run past the year 9999") from exc
    cdc_rates = resolve_rates(rates)
    anomaly_rate = _check_rate(ANOMALY_OPTION, inject_anomalies)

    orders = spec.orders if rows is None else rows
    ratio = orders / spec.orders
    return GenerationConfig(
        scenario=scenario,
        seed=seed,
        start_date=start_date,
        end_date=end_date,
        customers=max(MIN_CUSTOMERS, round(spec.customers * ratio)),
        products=max(MIN_PRODUCTS, round(spec.products * ratio)),
        orders=orders,
        web_events=max(1, round(spec.web_events * ratio)),
        rows_override=rows,
        batches=batches,
        rates=cdc_rates,
        inject_anomalies=anomaly_rate,
    )
