"""Entity state carried from the initial load through the daily CDC batches.

Everything is numeric (numpy), indexed by `id - 1`: valid ids are dense (1..n) because
injected anomalies take their ids from a separate range (`anomalies.ANOMALY_KEY_BASE`).
Customers and products also keep the rendered text of their current row and, for the few
that changed, a version history, so a record placed at time T sees the attributes valid
at T (an order's country is its customer's country at order time).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal

import numpy as np
import pyarrow as pa

from lakehouse_bi.datagen.distributions import SECONDS_PER_DAY, epoch_seconds
from lakehouse_bi.datagen.schema import ENTITIES, Kind

NEVER = np.iinfo(np.int64).min  # valid_from of a record's first version


def ts_text(epoch: int) -> str:
    """Epoch seconds -> the contract's timestamp text (2025-01-03T14:22:05)."""
    return str(np.datetime64(int(epoch), "s"))


def ts_epoch(text: str) -> int:
    return int(np.datetime64(text, "s").astype(np.int64))


def day_bounds(day: dt.date) -> tuple[int, int]:
    start = epoch_seconds(day)
    return start, start + SECONDS_PER_DAY - 1


def money_text(cents: int) -> str:
    return str(Decimal(int(cents)).scaleb(-2))


def render_value(kind: Kind, value: object) -> str:
    """A python value from an entity table -> its CSV text (null -> empty)."""
    if value is None:
        return ""
    if kind is Kind.DECIMAL2:
        return money_text(round(float(value) * 100))  # type: ignore[arg-type]
    if kind is Kind.BOOL:
        return "true" if value else "false"
    if kind is Kind.TIMESTAMP:
        return value.strftime("%Y-%m-%dT%H:%M:%S")  # type: ignore[attr-defined]
    if kind is Kind.DATE:
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


@dataclass
class DimState:
    """A dimension's current rows as CSV text, liveness, and who changed in which batch."""

    entity: str
    base: pa.Table  # the rows as the initial load wrote them
    live: np.ndarray  # bool: delivered and not hard-deleted
    overrides: dict[int, list[str]] = field(default_factory=dict)  # index -> current row text

    @property
    def size(self) -> int:
        return len(self.live)

    def rows(self, indices: np.ndarray) -> list[list[str]]:
        """Current row text (contract field order) of the given indices."""
        spec = ENTITIES[self.entity]
        missing = [int(i) for i in indices if int(i) not in self.overrides]
        fetched: dict[int, list[str]] = {}
        if missing:
            records = self.base.take(pa.array(missing, pa.int64())).to_pylist()
            for index, record in zip(missing, records, strict=True):
                fetched[index] = [render_value(k, record[n]) for n, k in spec.fields]
        return [list(self.overrides.get(int(i)) or fetched[int(i)]) for i in indices]


@dataclass
class CustomerState(DimState):
    country: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    segment: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    signup_ts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    activity: np.ndarray = field(default_factory=lambda: np.empty(0))  # buying propensity
    # index -> [(valid_from, country index)] for customers whose country changed
    country_history: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def country_at(self, customer: np.ndarray, ts: np.ndarray) -> np.ndarray:
        result = self.country[customer].copy()
        if self.country_history:
            for row in np.flatnonzero(np.isin(customer, list(self.country_history))):
                result[row] = _as_of(self.country_history[int(customer[row])], int(ts[row]))[1]
        return result


@dataclass
class ProductState(DimState):
    active: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    price_cents: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    cost_cents: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    category: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    popularity: np.ndarray = field(default_factory=lambda: np.empty(0))  # as if active
    # index -> [(valid_from, price cents, is_active)] for products that changed
    history: dict[int, list[tuple[int, int, bool]]] = field(default_factory=dict)

    def version_at(self, product: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(price cents, is_active) of each product at each time."""
        price = self.price_cents[product].copy()
        active = self.active[product].copy()
        if self.history:
            for row in np.flatnonzero(np.isin(product, list(self.history))):
                _, price[row], active[row] = _as_of(self.history[int(product[row])], int(ts[row]))
        return price, active


def _as_of(versions: list[tuple], ts: int) -> tuple:
    """The version valid at ts (the first one also covers earlier times)."""
    at = bisect.bisect_right([v[0] for v in versions], ts) - 1
    return versions[max(at, 0)]


class Columns:
    """Numpy columns of equal length that grow by appending whole arrays."""

    def append(self, **values: np.ndarray) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            old = getattr(self, f.name)
            setattr(self, f.name, np.concatenate([old, np.asarray(values[f.name], old.dtype)]))


def _empty(dtype: type | str) -> np.ndarray:
    return np.empty(0, dtype=dtype)


@dataclass
class OrderBook(Columns):
    """Orders: index = order_id - 1. `first_line`/`n_lines` locate the order's lines."""

    customer: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    order_ts: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    status: np.ndarray = field(default_factory=lambda: _empty(np.int8))
    channel: np.ndarray = field(default_factory=lambda: _empty(np.int16))
    country: np.ndarray = field(default_factory=lambda: _empty(np.int16))
    currency: np.ndarray = field(default_factory=lambda: _empty(np.int16))
    payment: np.ndarray = field(default_factory=lambda: _empty(np.int8))
    updated_at: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    live: np.ndarray = field(default_factory=lambda: _empty(bool))
    first_line: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    n_lines: np.ndarray = field(default_factory=lambda: _empty(np.int8))

    @property
    def size(self) -> int:
        return len(self.customer)


@dataclass
class LineBook(Columns):
    """Order lines: index = order_line_id - 1; lines of an order are contiguous."""

    order: np.ndarray = field(default_factory=lambda: _empty(np.int64))  # order index
    line_number: np.ndarray = field(default_factory=lambda: _empty(np.int8))
    product: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    quantity: np.ndarray = field(default_factory=lambda: _empty(np.int16))
    unit_cents: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    discount_cents: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    updated_at: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    live: np.ndarray = field(default_factory=lambda: _empty(bool))

    @property
    def size(self) -> int:
        return len(self.order)
