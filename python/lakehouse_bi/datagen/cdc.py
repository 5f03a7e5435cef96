"""Daily CDC batches (`--batches N`): what a source system's change feed delivers each day.

Each batch `b<seq>_<day>` covers one day after the initial window and holds, at the rates of
`CdcRates` (docs/LANDING.md, "CDC batches"):
- customers/products: only the changed rows — one attribute change (op=update) or a hard
  delete (op=delete) per record at most;
- orders/order_lines: new orders with their lines (some late: placed 1-2 or 5-10 days before
  the batch day), status steps of open orders, corrected lines, deletes of an order with all
  its lines, and records written twice;
- web_events: the day's clickstream (some events written twice);
- sometimes the previous batch's orders file again, under its original name.

Every batch draws from its own random streams (seed, purpose, sequence), so batch k is the
same whatever N is, and the initial load is the same with or without batches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from lakehouse_bi.datagen import arrow_utils as au
from lakehouse_bi.datagen.catalog import TAXONOMY
from lakehouse_bi.datagen.config import GenerationConfig
from lakehouse_bi.datagen.customers import SEGMENT_WEIGHTS, country_weights
from lakehouse_bi.datagen.distributions import (
    SECONDS_PER_DAY,
    WEEKDAY_FACTORS,
    draw_categorical,
    draw_conditional,
    rng_for,
    seconds_in_day,
)
from lakehouse_bi.datagen.orders import (
    DISCOUNT_PERCENT_WEIGHTS,
    DISCOUNT_PERCENTS,
    DISCOUNT_SHARE,
    LINES_PER_ORDER_WEIGHTS,
    PAYMENT_METHODS,
    PAYMENT_WEIGHTS,
    QUANTITY_WEIGHTS,
    channel_weights,
)
from lakehouse_bi.datagen.schema import CDC_OPS, ENTITIES, ORDER_STATUSES, SEGMENTS
from lakehouse_bi.datagen.state import NEVER, day_bounds, money_text, ts_text
from lakehouse_bi.datagen.web_events import EventContext, UrlBook, build_event_slice
from lakehouse_bi.datagen.writer import BatchOutput, LandingWriter

if TYPE_CHECKING:
    from lakehouse_bi.datagen.generator import World

DAY = SECONDS_PER_DAY
RECENT_DAYS = 14  # corrections and deletes touch orders placed in the last 14 days
LATE_DAYS = (1, 2)  # --late-rate: placed 1-2 days before the batch day (inside 72 h)
TOO_LATE_DAYS = (5, 10)  # --too-late-rate: 5-10 days before (outside a 72 h lookback)
CANCEL_SHARE = 0.10  # an open order's step: placed -> cancelled instead of shipped
RETURN_SHARE = 0.06  # shipped -> returned (refused / sent back) instead of delivered
MAX_QUANTITY = 10
CUSTOMER_CHANGES = ("email", "phone", "segment", "country_code")
CUSTOMER_CHANGE_WEIGHTS = (0.30, 0.30, 0.25, 0.15)
PRODUCT_CHANGES = ("list_price", "is_active", "category", "product_name")
PRODUCT_CHANGE_WEIGHTS = (0.40, 0.20, 0.20, 0.20)
PRICE_FLOOR_CENTS, PRICE_CAP_CENTS = 199, 999_999
ORDER_KINDS = (
    "new",
    "late",
    "too_late",
    "status_update",
    "correction",
    "delete",
    "duplicate_records",
    "redelivered_files",
)
NEW, LATE, TOO_LATE = 0, 1, 2
PLACED, SHIPPED, DELIVERED, CANCELLED, RETURNED = range(5)
INSERT, UPDATE, DELETE = (CDC_OPS.index(op) for op in ("insert", "update", "delete"))


def masked_cum(weights: np.ndarray, allowed: np.ndarray) -> np.ndarray | None:
    """Cumulative weights where disallowed rows can never be drawn; None if none allowed."""
    w = np.where(allowed, weights, 0.0)
    nonzero = np.flatnonzero(w > 0)
    if not len(nonzero):
        return None
    cum = np.cumsum(w)
    cum /= cum[-1]
    cum[nonzero[-1] :] = 1.0  # no float drift can reach a trailing zero-weight row
    return cum


def draw(rng: np.random.Generator, cum: np.ndarray, size: int) -> np.ndarray:
    return np.searchsorted(cum, rng.random(size), side="right").astype(np.int64)


def bernoulli(rng: np.random.Generator, candidates: np.ndarray, rate: float) -> np.ndarray:
    """Each candidate independently with probability `rate` (keeps candidate order)."""
    return candidates[rng.random(len(candidates)) < rate]


def uniform_ts(rng: np.random.Generator, lo: int, hi: int, size: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, size).astype(np.int64)


@dataclass
class PoolLists:
    """Per-country Python lists of the Faker pools, for the few rows a batch changes."""

    domains: list[list[str]]
    phones: list[list[tuple[str, str, bool]]]
    streets: list[list[tuple[str, int, str]]]
    cities: list[list[str]]
    postcodes: list[list[str]]

    @classmethod
    def from_pools(cls, pools) -> PoolLists:
        def per_country(pool, *columns):
            values = [pool.columns[c].to_pylist() for c in columns]
            rows = list(zip(*values, strict=True)) if len(columns) > 1 else values[0]
            bounds = zip(pool.offsets.tolist(), pool.sizes.tolist(), strict=True)
            return [rows[start : start + size] for start, size in bounds]

        return cls(
            domains=per_country(pools.domains, "domain"),
            phones=per_country(pools.phones, "head", "tail", "randomisable"),
            streets=per_country(pools.streets, "head", "width", "tail"),
            cities=per_country(pools.places, "city"),
            postcodes=per_country(pools.postcodes, "postal_code"),
        )

    def phone(self, rng: np.random.Generator, country: int) -> str:
        options = self.phones[country]
        head, tail, randomisable = options[int(rng.integers(len(options)))]
        digits = f"{int(rng.integers(0, 10_000)):04d}" if randomisable else ""
        return f"{head}{digits}{tail}"

    def street(self, rng: np.random.Generator, country: int) -> str:
        head, width, tail = self.streets[country][int(rng.integers(len(self.streets[country])))]
        if not width:
            return head
        number = 1 + int(rng.integers(0, 10 ** min(width, 4) - 1))
        return f"{head}{number}{tail}"

    def pick(self, rng: np.random.Generator, values: list[str]) -> str:
        return values[int(rng.integers(len(values)))]


@dataclass
class Batch:
    """One CDC batch being built."""

    world: World
    config: GenerationConfig
    writer: LandingWriter
    out: BatchOutput
    sequence: int
    day_start: int
    day_end: int

    def rng(self, purpose: str) -> np.random.Generator:
        return rng_for(self.config.seed, f"cdc_{purpose}", self.sequence)

    @property
    def batch_id(self) -> str:
        return self.out.batch_id


# --------------------------------------------------------------------------- dimensions


def _version_entry(batch: Batch, entity: str, file: str, row: list[str], changed: list[str]):
    spec = ENTITIES[entity]
    record = dict(zip(spec.columns, row, strict=True))
    return json.dumps(
        {
            "batch": batch.batch_id,
            "entity": entity,
            "file": file,
            "kind": "version",
            "id": int(record[spec.key]),
            "op": record["op"],
            "updated_at": record["updated_at"],
            "changed": changed,
            "record": record,
        },
        ensure_ascii=False,
    )


def _write_dim(batch: Batch, entity: str, changes: list[tuple[int, int, list[str], list[str]]]):
    """changes: (ts, index, row, changed attributes); written in change order."""
    changes.sort(key=lambda c: (c[0], c[1]))
    file = batch.writer.write_csv_rows(batch.out, entity, [row for _, _, row, _ in changes])
    batch.writer.log_changes(
        [_version_entry(batch, entity, file, row, changed) for _, _, row, changed in changes]
    )


def _change_customers(batch: Batch) -> dict:
    world, rates = batch.world, batch.config.rates
    st = world.customer_state
    rng = batch.rng("customers")
    cols = {name: i for i, name in enumerate(ENTITIES["customers"].columns)}
    live = np.flatnonzero(st.live)
    deleted = bernoulli(rng, live, rates.dim_delete_rate)
    changed = bernoulli(rng, np.setdiff1d(live, deleted), rates.dim_change_rate)
    attribute = draw_categorical(rng, CUSTOMER_CHANGE_WEIGHTS, len(changed))
    delete_ts = uniform_ts(rng, batch.day_start, batch.day_end, len(deleted))
    change_ts = uniform_ts(rng, batch.day_start, batch.day_end, len(changed))
    pools = world.pool_lists
    weights = country_weights(world.reference.country_codes)
    codes = world.reference.country_codes

    out: list[tuple[int, int, list[str], list[str]]] = []
    for index, ts, row in zip(deleted, delete_ts, st.rows(deleted), strict=True):
        row[cols["updated_at"]], row[cols["op"]] = ts_text(ts), "delete"
        st.live[index] = False
        st.overrides[int(index)] = row
        out.append((int(ts), int(index), row, []))
    rows = st.rows(changed)
    for index, ts, what, row in zip(changed, change_ts, attribute, rows, strict=True):
        index = int(index)
        name = CUSTOMER_CHANGES[what]
        touched = [name]
        country = int(st.country[index])
        if name == "email":
            local, domain = row[cols["email"]].rsplit("@", 1)
            options = [d for d in dict.fromkeys(pools.domains[country]) if d != domain]
            options = options or [d for ds in pools.domains for d in ds if d != domain]
            row[cols["email"]] = f"{local}@{pools.pick(rng, sorted(set(options)))}"
        elif name == "phone":
            old = row[cols["phone"]]
            for _ in range(20):
                row[cols["phone"]] = pools.phone(rng, country)
                if row[cols["phone"]] != old:
                    break
            else:
                row[cols["phone"]] = old + "0"
        elif name == "segment":
            current = int(st.segment[index])
            w = np.array(SEGMENT_WEIGHTS, dtype=float)
            w[current] = 0.0
            st.segment[index] = int(draw_categorical(rng, w, 1)[0])
            row[cols["segment"]] = SEGMENTS[st.segment[index]]
        else:  # a move: new country, and with it the address and phone number
            w = weights.astype(float).copy()
            w[country] = 0.0
            if w.sum() == 0:  # a single-country seed: nothing to move to, change the phone
                touched = ["phone"]
                row[cols["phone"]] = pools.phone(rng, country) + "1"
            else:
                new = int(draw_categorical(rng, w, 1)[0])
                history = st.country_history.setdefault(index, [(NEVER, country)])
                history.append((int(ts), new))
                st.country[index] = new
                row[cols["country_code"]] = codes[new]
                row[cols["street_address"]] = pools.street(rng, new)
                row[cols["city"]] = pools.pick(rng, pools.cities[new])
                row[cols["postal_code"]] = pools.pick(rng, pools.postcodes[new])
                row[cols["phone"]] = pools.phone(rng, new)
                touched = ["country_code", "street_address", "city", "postal_code", "phone"]
        row[cols["updated_at"]], row[cols["op"]] = ts_text(ts), "update"
        st.overrides[index] = row
        out.append((int(ts), index, row, touched))
    _write_dim(batch, "customers", out)
    return {
        "eligible": len(live),
        "update": len(changed),
        "delete": len(deleted),
        "changed_ids": sorted(int(i) + 1 for i in changed),
        "deleted_ids": sorted(int(i) + 1 for i in deleted),
    }


def _new_price(rng: np.random.Generator, old: int, cost: int) -> int:
    factor = rng.uniform(0.80, 1.25)
    price = old / 100 * factor
    cents = int(np.floor(price)) * 100 + 99 if old % 100 == 99 else round(price * 100)
    cents = int(np.clip(cents, max(PRICE_FLOOR_CENTS, cost + 1), PRICE_CAP_CENTS))
    if cents == old:
        cents = old + 100 if old + 100 <= PRICE_CAP_CENTS else old - 100
    return cents


def _change_products(batch: Batch) -> dict:
    world, rates = batch.world, batch.config.rates
    st = world.product_state
    rng = batch.rng("products")
    cols = {name: i for i, name in enumerate(ENTITIES["products"].columns)}
    live = np.flatnonzero(st.live)
    deleted = bernoulli(rng, live, rates.dim_delete_rate)
    changed = bernoulli(rng, np.setdiff1d(live, deleted), rates.dim_change_rate)
    attribute = draw_categorical(rng, PRODUCT_CHANGE_WEIGHTS, len(changed))
    delete_ts = uniform_ts(rng, batch.day_start, batch.day_end, len(deleted))
    change_ts = uniform_ts(rng, batch.day_start, batch.day_end, len(changed))
    descriptors = world.descriptors

    out: list[tuple[int, int, list[str], list[str]]] = []
    for index, ts, row in zip(deleted, delete_ts, st.rows(deleted), strict=True):
        row[cols["updated_at"]], row[cols["op"]] = ts_text(ts), "delete"
        st.live[index] = False
        st.overrides[int(index)] = row
        out.append((int(ts), int(index), row, []))
    rows = st.rows(changed)
    for index, ts, what, row in zip(changed, change_ts, attribute, rows, strict=True):
        index = int(index)
        name = PRODUCT_CHANGES[what]
        if name in ("list_price", "is_active"):
            history = st.history.setdefault(
                index, [(NEVER, int(st.price_cents[index]), bool(st.active[index]))]
            )
            if name == "list_price":
                st.price_cents[index] = _new_price(
                    rng, int(st.price_cents[index]), int(st.cost_cents[index])
                )
                row[cols["list_price"]] = money_text(st.price_cents[index])
            else:
                st.active[index] = not st.active[index]
                row[cols["is_active"]] = "true" if st.active[index] else "false"
            history.append((int(ts), int(st.price_cents[index]), bool(st.active[index])))
        elif name == "category":
            w = np.array([c.share for c in TAXONOMY])
            w[st.category[index]] = 0.0
            st.category[index] = int(draw_categorical(rng, w, 1)[0])
            category = TAXONOMY[st.category[index]]
            subs = sorted(category.subcategories)
            row[cols["category"]] = category.name
            row[cols["subcategory"]] = subs[int(rng.integers(len(subs)))]
            name = "category"
        else:  # a rename: another descriptor after the brand
            tokens = row[cols["product_name"]].split(" ")
            if len(tokens) >= 3:
                options = [d for d in descriptors if d != tokens[1]]
                tokens[1] = options[int(rng.integers(len(options)))]
                row[cols["product_name"]] = " ".join(tokens)
            else:
                row[cols["product_name"]] += " II"
        touched = ["category", "subcategory"] if name == "category" else [name]
        row[cols["updated_at"]], row[cols["op"]] = ts_text(ts), "update"
        st.overrides[index] = row
        out.append((int(ts), index, row, touched))
    _write_dim(batch, "products", out)
    return {
        "eligible": len(live),
        "update": len(changed),
        "delete": len(deleted),
        "changed_ids": sorted(int(i) + 1 for i in changed),
        "deleted_ids": sorted(int(i) + 1 for i in deleted),
    }


# --------------------------------------------------------------------------- orders


class BookRows:
    """Rows of a batch file taken from a book (the generator's state arrays): every field
    but `index` and `op` is the book's array of the same name at `index`."""

    @classmethod
    def from_book(cls, book, index: np.ndarray, op: int):
        values = {
            field.name: getattr(book, field.name)[index]
            for field in fields(cls)
            if field.name not in ("index", "op")
        }
        return cls(index=index, op=np.full(len(index), op, dtype=np.int8), **values)


@dataclass
class OrderRows(BookRows):
    """Rows of the batch's orders file, as numbers (order index, values, op, kind)."""

    index: np.ndarray
    customer: np.ndarray
    order_ts: np.ndarray
    status: np.ndarray
    channel: np.ndarray
    country: np.ndarray
    currency: np.ndarray
    payment: np.ndarray
    updated_at: np.ndarray
    op: np.ndarray


@dataclass
class LineRows(BookRows):
    index: np.ndarray
    order: np.ndarray
    line_number: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_cents: np.ndarray
    discount_cents: np.ndarray
    updated_at: np.ndarray
    op: np.ndarray


def _concat(parts: list):
    kind = type(parts[0])
    return kind(
        **{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in kind.__dataclass_fields__
        }
    )


def _lines_of(book, orders: np.ndarray) -> np.ndarray:
    """Line indices of the given orders, order by order."""
    if not len(orders):
        return np.empty(0, dtype=np.int64)
    counts = book.n_lines[orders].astype(np.int64)
    starts = np.repeat(book.first_line[orders], counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return starts + within


def _status_updates(batch: Batch, customer_live: np.ndarray) -> tuple[OrderRows, dict]:
    book, rate = batch.world.orders, batch.config.rates.update_rate
    rng = batch.rng("status")
    open_ = (book.status == PLACED) | (book.status == SHIPPED)
    eligible = np.flatnonzero(book.live & open_ & customer_live[book.customer])
    chosen = bernoulli(rng, eligible, rate)
    step = rng.random(len(chosen))
    old = book.status[chosen]
    new = np.where(
        old == PLACED,
        np.where(step < CANCEL_SHARE, CANCELLED, SHIPPED),
        np.where(step < RETURN_SHARE, RETURNED, DELIVERED),
    ).astype(np.int8)
    ts = uniform_ts(rng, batch.day_start, batch.day_end, len(chosen))
    assert (ts > book.updated_at[chosen]).all(), "a change must be later than the last one"
    book.status[chosen] = new
    book.updated_at[chosen] = ts
    transitions: dict[str, int] = {}
    for a, b in zip(old.tolist(), new.tolist(), strict=True):
        key = f"{ORDER_STATUSES[a]}->{ORDER_STATUSES[b]}"
        transitions[key] = transitions.get(key, 0) + 1
    return OrderRows.from_book(book, chosen, UPDATE), {
        "eligible": len(eligible),
        "transitions": dict(sorted(transitions.items())),
    }


def _deletes(
    batch: Batch, customer_live: np.ndarray, product_live: np.ndarray, touched: np.ndarray
) -> tuple[OrderRows, LineRows, dict]:
    world, rate = batch.world, batch.config.rates.delete_rate
    book, lines = world.orders, world.lines
    rng = batch.rng("deletes")
    recent = book.order_ts >= batch.day_start - RECENT_DAYS * DAY
    bad_line = lines.live & ~product_live[lines.product]
    has_bad_line = np.bincount(lines.order[bad_line], minlength=book.size) > 0
    eligible = np.flatnonzero(
        book.live & recent & customer_live[book.customer] & ~has_bad_line & ~touched
    )
    chosen = bernoulli(rng, eligible, rate)
    ts = uniform_ts(rng, batch.day_start, batch.day_end, len(chosen))
    line_idx = _lines_of(book, chosen)
    line_ts = np.repeat(ts, book.n_lines[chosen].astype(np.int64))
    assert lines.live[line_idx].all()
    book.live[chosen] = False
    book.updated_at[chosen] = ts
    lines.live[line_idx] = False
    lines.updated_at[line_idx] = line_ts
    return (
        OrderRows.from_book(book, chosen, DELETE),
        LineRows.from_book(lines, line_idx, DELETE),
        {"eligible": len(eligible)},
    )


def _corrections(
    batch: Batch, customer_live: np.ndarray, product_live: np.ndarray
) -> tuple[LineRows, dict]:
    world, rate = batch.world, batch.config.rates.correction_rate
    book, lines = world.orders, world.lines
    rng = batch.rng("corrections")
    order_ok = (
        book.live
        & (book.order_ts >= batch.day_start - RECENT_DAYS * DAY)
        & customer_live[book.customer]
    )
    eligible = np.flatnonzero(lines.live & order_ok[lines.order] & product_live[lines.product])
    chosen = bernoulli(rng, eligible, rate)
    n = len(chosen)
    fix_quantity = rng.random(n) < 0.5
    quantity = lines.quantity[chosen].astype(np.int64)
    unit = lines.unit_cents[chosen]
    discount = lines.discount_cents[chosen].copy()
    up = rng.random(n) < 0.5
    new_q = np.where((up | (quantity <= 1)) & (quantity < MAX_QUANTITY), quantity + 1, quantity - 1)
    # A quantity correction keeps the line's discount share (a percentage discount).
    scaled = discount * new_q // np.maximum(quantity, 1)
    percent = DISCOUNT_PERCENTS[draw_categorical(rng, DISCOUNT_PERCENT_WEIGHTS, n)]
    redo = quantity * unit * percent // 100
    # A discount correction: a missing discount added, or a wrong one changed or removed.
    new_d = np.where(discount == 0, redo, np.where(redo != discount, redo, 0))
    new_d = np.where(new_d == discount, 0, new_d)  # still equal (both 0 cannot happen)
    lines.quantity[chosen] = np.where(fix_quantity, new_q, quantity)
    lines.discount_cents[chosen] = np.where(fix_quantity, scaled, new_d)
    ts = uniform_ts(rng, batch.day_start, batch.day_end, n)
    assert (ts > lines.updated_at[chosen]).all()
    lines.updated_at[chosen] = ts
    gross = lines.quantity[chosen].astype(np.int64) * lines.unit_cents[chosen]
    assert ((lines.discount_cents[chosen] >= 0) & (lines.discount_cents[chosen] < gross)).all()
    return LineRows.from_book(lines, chosen, UPDATE), {
        "eligible": len(eligible),
        "quantity": int(fix_quantity.sum()),
        "discount": int((~fix_quantity).sum()),
    }


def expected_daily(total: int, config: GenerationConfig, day) -> float:
    """The initial load's mean daily volume, with the weekday pattern of the batch day."""
    factor = WEEKDAY_FACTORS[day.weekday()] / WEEKDAY_FACTORS.mean()
    return total / config.days * factor


def _draw_customers(
    rng: np.random.Generator, batch: Batch, cum: np.ndarray, ts: np.ndarray
) -> np.ndarray:
    """Live customers, signed up before `ts`, drawn by buying propensity."""
    st = batch.world.customer_state
    customer = draw(rng, cum, len(ts))
    for _ in range(30):
        bad = ~st.live[customer] | (st.signup_ts[customer] >= ts)
        if not bad.any():
            return customer
        customer[bad] = draw(rng, cum, int(bad.sum()))
    bad = ~st.live[customer] | (st.signup_ts[customer] >= ts)
    earliest = int(np.argmin(np.where(st.live, st.signup_ts, np.iinfo(np.int64).max)))
    customer[bad] = earliest
    return customer


def _draw_products(
    rng: np.random.Generator,
    batch: Batch,
    cum: np.ndarray,
    ts: np.ndarray,
    line_number: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Live products active at `ts`, distinct within an order where the catalogue allows."""
    st = batch.world.product_state
    product = draw(rng, cum, len(ts))
    distinct = int(st.live.sum()) >= 2 * len(LINES_PER_ORDER_WEIGHTS)
    for attempt in range(40):
        price, active = st.version_at(product, ts)
        bad = ~active | ~st.live[product]
        if distinct and attempt < 30:
            for k in range(1, len(LINES_PER_ORDER_WEIGHTS)):
                bad[k:] |= (line_number[k:] > k) & (product[k:] == product[:-k])
        if not bad.any():
            return product, price
        product[bad] = draw(rng, cum, int(bad.sum()))
    price, active = st.version_at(product, ts)
    bad = ~active | ~st.live[product]
    if bad.any():  # fall back to a product that never changed and is active
        stable = np.flatnonzero(st.live & st.active)
        stable = [p for p in stable if int(p) not in st.history] or list(stable)
        product[bad] = stable[0]
        price, _ = st.version_at(product, ts)
    return product, price


def _new_orders(batch: Batch, customer_cum, product_cum) -> tuple[OrderRows, LineRows, dict]:
    world, config, rates = batch.world, batch.config, batch.config.rates
    book, lines = world.orders, world.lines
    rng = batch.rng("new_orders")
    expected = expected_daily(config.orders, config, config.batch_date(batch.sequence))
    n = int(rng.poisson(expected)) if customer_cum is not None and product_cum is not None else 0
    u = rng.random(n)
    late_bound = rates.too_late_rate + rates.late_rate
    kind = np.where(u < rates.too_late_rate, TOO_LATE, np.where(u < late_bound, LATE, NEW))
    back = np.where(
        kind == LATE,
        rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, n),
        np.where(kind == TOO_LATE, rng.integers(TOO_LATE_DAYS[0], TOO_LATE_DAYS[1] + 1, n), 0),
    )
    order_ts = batch.day_start - back * DAY + seconds_in_day(rng, n)
    by_time = np.argsort(order_ts, kind="stable")  # ids follow time, as in the initial load
    order_ts, kind = order_ts[by_time], kind[by_time]

    customer = _draw_customers(rng, batch, customer_cum, order_ts) if n else np.empty(0, np.int64)
    country = world.customer_state.country_at(customer, order_ts)
    channels = world.reference.channels
    channel = draw_categorical(rng, channel_weights(channels), n)
    online = np.array([c.is_online for c in channels], dtype=np.int64)[channel]
    payment = draw_conditional(rng, online, PAYMENT_WEIGHTS)
    first = book.size
    index = first + np.arange(n, dtype=np.int64)

    lines_per_order = 1 + draw_categorical(rng, LINES_PER_ORDER_WEIGHTS, n)
    n_lines = int(lines_per_order.sum())
    line_order = np.repeat(np.arange(n), lines_per_order)
    starts = (np.cumsum(lines_per_order) - lines_per_order).astype(np.int64)
    line_number = np.arange(n_lines) - np.repeat(starts, lines_per_order) + 1
    line_ts = order_ts[line_order]
    if n_lines:
        product, unit = _draw_products(rng, batch, product_cum, line_ts, line_number)
    else:
        product, unit = np.empty(0, np.int64), np.empty(0, np.int64)
    quantity = 1 + draw_categorical(rng, QUANTITY_WEIGHTS, n_lines)
    percent = DISCOUNT_PERCENTS[draw_categorical(rng, DISCOUNT_PERCENT_WEIGHTS, n_lines)]
    discounted = rng.random(n_lines) < DISCOUNT_SHARE
    discount = np.where(discounted, quantity * unit * percent // 100, 0)

    first_line = lines.size
    currency = world.currency_of_country[country] if n else np.empty(0, np.int64)
    book.append(
        customer=customer,
        order_ts=order_ts,
        status=np.full(n, PLACED),
        channel=channel,
        country=country,
        currency=currency,
        payment=payment,
        updated_at=order_ts,
        live=np.ones(n, bool),
        first_line=first_line + starts,
        n_lines=lines_per_order,
    )
    line_index = first_line + np.arange(n_lines, dtype=np.int64)
    lines.append(
        order=index[line_order],
        line_number=line_number,
        product=product,
        quantity=quantity,
        unit_cents=unit,
        discount_cents=discount,
        updated_at=line_ts,
        live=np.ones(n_lines, bool),
    )
    orders_out = OrderRows.from_book(book, index, INSERT)
    lines_out = LineRows.from_book(lines, line_index, INSERT)
    line_kind = kind[line_order]
    names = (("new", NEW), ("late", LATE), ("too_late", TOO_LATE))
    info = {
        "orders": {k: int((kind == v).sum()) for k, v in names},
        "lines": {k: int((line_kind == v).sum()) for k, v in names},
        "late_ids": (index[kind == LATE] + 1).tolist(),
        "too_late_ids": (index[kind == TOO_LATE] + 1).tolist(),
    }
    return orders_out, lines_out, info


def _with_duplicates(rng: np.random.Generator, updated_at: np.ndarray, rate: float):
    """Row positions in file order (by change time) with some rows written twice."""
    n = len(updated_at)
    twice = np.flatnonzero(rng.random(n) < rate)
    position = np.concatenate([np.arange(n), twice])
    order = np.lexsort((position, updated_at[position]))
    return position[order], len(twice)


def _orders_table(world: World, rows: OrderRows, pick: np.ndarray) -> pa.Table:
    ref = world.reference
    return pa.table(
        {
            "order_id": pa.array(rows.index[pick] + 1),
            "customer_id": pa.array(rows.customer[pick].astype(np.int64) + 1),
            "order_ts": au.timestamps(rows.order_ts[pick]),
            "status": au.labels(rows.status[pick], ORDER_STATUSES),
            "channel": au.labels(rows.channel[pick], ref.channel_codes),
            "country_code": au.labels(rows.country[pick], ref.country_codes),
            "currency": au.labels(rows.currency[pick], world.currencies),
            "payment_method": au.labels(rows.payment[pick], PAYMENT_METHODS),
            "updated_at": au.timestamps(rows.updated_at[pick]),
            "op": au.labels(rows.op[pick], CDC_OPS),
        }
    )


def _lines_table(rows: LineRows, pick: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "order_line_id": pa.array(rows.index[pick] + 1),
            "order_id": pa.array(rows.order[pick] + 1),
            "line_number": pa.array(rows.line_number[pick].astype(np.int64)),
            "product_id": pa.array(rows.product[pick].astype(np.int64) + 1),
            "quantity": pa.array(rows.quantity[pick].astype(np.int64)),
            "unit_price": au.money(rows.unit_cents[pick]),
            "discount_amount": au.money(rows.discount_cents[pick]),
            "updated_at": au.timestamps(rows.updated_at[pick]),
            "op": au.labels(rows.op[pick], CDC_OPS),
        }
    )


def _web_events(batch: Batch, customer_cum, product_cum) -> tuple[pa.Table, int]:
    world, config = batch.world, batch.config
    rng = batch.rng("web_events")
    expected = expected_daily(config.web_events, config, config.batch_date(batch.sequence))
    n = int(rng.poisson(expected)) if customer_cum is not None and product_cum is not None else 0
    if n == 0:
        return _empty_events(world), 0
    profile = replace(world.customers, activity_cum=customer_cum)
    catalog = replace(world.catalog, popularity_cum=product_cum)
    ctx = EventContext(batch.day_start, batch.day_end, profile, catalog, world.online_channels)
    part = build_event_slice(
        rng,
        ctx,
        UrlBook(catalog),
        0,
        np.array([n]),
        world.next_ids["event_id"],
        world.next_ids["session_id"],
    )
    world.next_ids["event_id"] += n
    world.next_ids["session_id"] += part.sessions
    return part.events, n


def _empty_events(world: World) -> pa.Table:
    empty = np.empty(0, np.int64)
    return pa.table(
        {
            "event_id": pa.array(empty),
            "session_id": pa.array(empty),
            "customer_id": pa.array(empty),
            "event_type": pa.array([], pa.string()),
            "page_url": pa.array([], pa.string()),
            "product_id": pa.array(empty),
            "channel": pa.array([], pa.string()),
            "device": pa.array([], pa.string()),
            "event_ts": au.timestamps(empty),
        }
    )


def write_cdc_batch(
    world: World, writer: LandingWriter, config: GenerationConfig, sequence: int
) -> BatchOutput:
    """Batch `sequence` (>= 1): the day config.end_date + sequence."""
    day = config.batch_date(sequence)
    day_start, day_end = day_bounds(day)
    out = writer.start_batch(sequence, day, "cdc")
    batch = Batch(world, config, writer, out, sequence, day_start, day_end)
    rates = config.rates

    # Dimensions first: orders of this batch see the attributes valid at their order time.
    customers = _change_customers(batch)
    products = _change_products(batch)
    cs, ps = world.customer_state, world.product_state
    customer_live, product_live = cs.live, ps.live

    # Changes to orders that existed before this batch, at most one per order and line.
    status_rows, status_info = _status_updates(batch, customer_live)
    touched = np.zeros(world.orders.size, dtype=bool)
    touched[status_rows.index] = True
    delete_orders, delete_lines, delete_info = _deletes(batch, customer_live, product_live, touched)
    correction_rows, correction_info = _corrections(batch, customer_live, product_live)

    customer_cum = masked_cum(cs.activity, cs.live)
    product_cum = masked_cum(ps.popularity, ps.live & ps.active)
    new_orders, new_lines, new_info = _new_orders(batch, customer_cum, product_cum)

    rng = batch.rng("duplicates")
    order_rows = _concat([new_orders, status_rows, delete_orders])
    pick, order_dupes = _with_duplicates(rng, order_rows.updated_at, rates.duplicate_rate)
    writer.write(out, "orders", _orders_table(world, order_rows, pick))
    line_rows = _concat([new_lines, correction_rows, delete_lines])
    pick, line_dupes = _with_duplicates(rng, line_rows.updated_at, rates.duplicate_rate)
    writer.write(out, "order_lines", _lines_table(line_rows, pick))
    events, n_events = _web_events(batch, customer_cum, product_cum)
    pick, event_dupes = _with_duplicates(
        rng, np.zeros(events.num_rows, np.int64), rates.duplicate_rate
    )
    writer.write(out, "web_events", events.take(pa.array(pick, pa.int64())))

    redelivered = []
    # Re-delivery starts with batch 2: batch 1's predecessor is the initial load, not a
    # daily file (and re-sending a whole year would dwarf the batch).
    previous = writer.batches[-2]
    if batch.rng("redeliver").random() < rates.redeliver_rate and previous.kind == "cdc":
        for source in previous.entities["orders"].files:
            file = writer.copy_into(out, "orders", source)
            redelivered.append({"entity": "orders", "file": file, "original": source})

    def kinds(**counts: int) -> dict:
        return {k: int(counts.get(k, 0)) for k in ORDER_KINDS}

    out.details = {
        "changes": {
            "customers": {"update": customers["update"], "delete": customers["delete"]},
            "products": {"update": products["update"], "delete": products["delete"]},
            "orders": kinds(
                **new_info["orders"],
                status_update=len(status_rows.index),
                delete=len(delete_orders.index),
                duplicate_records=order_dupes,
                redelivered_files=len(redelivered),
            ),
            "order_lines": kinds(
                **new_info["lines"],
                correction=len(correction_rows.index),
                delete=len(delete_lines.index),
                duplicate_records=line_dupes,
            ),
            "web_events": {"new": n_events, "duplicate_records": event_dupes},
        },
        "status_transitions": status_info["transitions"],
        "corrections": {k: correction_info[k] for k in ("quantity", "discount")},
        "eligible": {
            "customers": customers["eligible"],
            "products": products["eligible"],
            "status_update": status_info["eligible"],
            "delete": delete_info["eligible"],
            "correction": correction_info["eligible"],
        },
        "ids": {
            "changed_customers": customers["changed_ids"],
            "deleted_customers": customers["deleted_ids"],
            "changed_products": products["changed_ids"],
            "deleted_products": products["deleted_ids"],
            "status_updated_orders": sorted((status_rows.index + 1).tolist()),
            "deleted_orders": sorted((delete_orders.index + 1).tolist()),
            "deleted_order_lines": sorted((delete_lines.index + 1).tolist()),
            "corrected_lines": sorted((correction_rows.index + 1).tolist()),
            "late_orders": new_info["late_ids"],
            "too_late_orders": new_info["too_late_ids"],
        },
        "redelivered": redelivered,
    }
    world.next_ids["order_id"] = world.orders.size + 1
    world.next_ids["order_line_id"] = world.lines.size + 1
    return out
