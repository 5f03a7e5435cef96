"""Scenarios and the validated settings of one generator run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lakehouse_bi.errors import ConfigError

# Default window ends on a fixed day so that output never depends on the date of the run.
DEFAULT_END_DATE = dt.date(2025, 12, 31)


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

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


def resolve_config(
    scenario: str = "small",
    *,
    seed: int = 42,
    rows: int | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> GenerationConfig:
    """Turn CLI-level choices into exact volumes and a date window, or raise OptionError."""
    if scenario not in SCENARIOS:
        choices = ", ".join(SCENARIOS)
        raise OptionError("--scenario", f"unknown scenario {scenario!r}; choose one of {choices}")
    spec = SCENARIOS[scenario]
    if rows is not None and rows <= 0:
        raise OptionError("--rows", f"must be a positive number of orders, got {rows}")
    if seed < 0:
        raise OptionError("--seed", f"must be >= 0, got {seed}")

    # A missing bound is derived from the other one and the scenario's length.
    span = dt.timedelta(days=spec.days - 1)
    if start_date is None and end_date is None:
        end_date = DEFAULT_END_DATE
    if start_date is None:
        assert end_date is not None
        start_date = end_date - span
    if end_date is None:
        end_date = start_date + span
    if end_date < start_date:
        raise OptionError(
            "--end-date",
            f"end date {end_date} is before start date {start_date}; "
            "pass an --end-date on or after --start-date",
        )

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
    )
