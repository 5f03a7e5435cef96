"""Orders and their lines, generated one slice of consecutive days at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lakehouse_bi.datagen import arrow_utils as au
from lakehouse_bi.datagen.catalog import Catalog
from lakehouse_bi.datagen.customers import CustomerProfile
from lakehouse_bi.datagen.distributions import (
    SECONDS_PER_DAY,
    draw_categorical,
    draw_conditional,
    draw_index,
    seconds_in_day,
)
from lakehouse_bi.datagen.schema import ORDER_STATUSES
from lakehouse_bi.datagen.seeds import Channel

CHANNEL_WEIGHTS = {"web": 0.45, "mobile_app": 0.32, "marketplace": 0.17, "call_center": 0.06}
DEFAULT_CHANNEL_WEIGHT = 0.05
PAYMENT_METHODS = (
    "card", "paypal", "apple_pay", "google_pay", "bank_transfer", "gift_card", "cash_on_delivery",
)  # fmt: skip
# Rows: offline channels (call center: no wallets), online channels.
PAYMENT_WEIGHTS = np.array(
    [
        [0.70, 0.00, 0.00, 0.00, 0.25, 0.05, 0.00],
        [0.55, 0.18, 0.08, 0.07, 0.05, 0.04, 0.03],
    ]
)
LINES_PER_ORDER_WEIGHTS = (0.25, 0.28, 0.24, 0.14, 0.09)  # 1..5 lines, mean ~2.5
QUANTITY_WEIGHTS = (0.62, 0.22, 0.10, 0.03, 0.02, 0.01)  # 1..6, mostly 1-3
DISCOUNT_SHARE = 0.20
DISCOUNT_PERCENTS = np.array([5, 10, 15, 20, 25, 30])  # < 100%, so discount < gross
DISCOUNT_PERCENT_WEIGHTS = (0.25, 0.30, 0.15, 0.15, 0.10, 0.05)
CANCEL_RATE = 0.04
RETURN_RATE = 0.05
HOUR = 3600
DAY = SECONDS_PER_DAY

PLACED, SHIPPED, DELIVERED, CANCELLED, RETURNED = (
    ORDER_STATUSES.index(s) for s in ("placed", "shipped", "delivered", "cancelled", "returned")
)


@dataclass(frozen=True)
class OrderContext:
    """Everything orders depend on that stays fixed across day slices."""

    window_start: int  # epoch seconds of the first day, 00:00:00
    window_end: int  # epoch seconds of the last day, 23:59:59 (the as-of time of the load)
    customers: CustomerProfile
    catalog: Catalog
    channels: Sequence[Channel]
    country_codes: Sequence[str]
    currency_of_country: np.ndarray  # country index -> index into currencies
    currencies: Sequence[str]


@dataclass
class OrderSlice:
    orders: pa.Table
    lines: pa.Table
    customer_index: np.ndarray  # per order, for first-activity tracking
    order_ts: np.ndarray
    # The same values as numbers, kept as the state later CDC batches start from.
    status: np.ndarray  # index into ORDER_STATUSES
    updated_at: np.ndarray  # epoch seconds
    channel: np.ndarray
    country: np.ndarray
    currency: np.ndarray
    payment: np.ndarray
    lines_per_order: np.ndarray
    line_number: np.ndarray
    product_index: np.ndarray
    quantity: np.ndarray
    unit_cents: np.ndarray
    discount_cents: np.ndarray


def channel_weights(channels: Sequence[Channel]) -> np.ndarray:
    return np.array([CHANNEL_WEIGHTS.get(c.code, DEFAULT_CHANNEL_WEIGHT) for c in channels])


def _statuses(
    rng: np.random.Generator, order_ts: np.ndarray, as_of: int
) -> tuple[np.ndarray, np.ndarray]:
    """Latest status as of the end of the window, and when the order reached it.

    Each order follows a timeline (placed -> shipped -> delivered [-> returned], or cancelled
    early); recent orders are naturally still placed or shipped.
    """
    n = len(order_ts)
    shipped_at = order_ts + rng.integers(6 * HOUR, 3 * DAY, n)
    delivered_at = shipped_at + rng.integers(1 * DAY, 7 * DAY, n)
    returned_at = delivered_at + rng.integers(2 * DAY, 25 * DAY, n)
    cancelled_at = order_ts + rng.integers(10 * 60, 2 * DAY, n)
    cancel = rng.random(n) < CANCEL_RATE
    ret = rng.random(n) < RETURN_RATE

    status = np.full(n, PLACED, dtype=np.int8)
    updated = order_ts.copy()
    steps = (
        (~cancel & (shipped_at <= as_of), SHIPPED, shipped_at),
        (~cancel & (delivered_at <= as_of), DELIVERED, delivered_at),
        (~cancel & ret & (returned_at <= as_of), RETURNED, returned_at),
        (cancel & (cancelled_at <= as_of), CANCELLED, cancelled_at),
    )
    for reached, code, at in steps:
        status[reached] = code
        updated[reached] = at[reached]
    return status, updated


def _distinct_products_per_order(
    rng: np.random.Generator, product: np.ndarray, line_number: np.ndarray, n_products: int
) -> None:
    """Re-draw a product repeated within the same order (lines are contiguous, <= 5 per order)."""
    if n_products < 2 * len(LINES_PER_ORDER_WEIGHTS):
        return
    for _ in range(3):
        dup = np.zeros(len(product), dtype=bool)
        for k in range(1, len(LINES_PER_ORDER_WEIGHTS)):
            dup[k:] |= (line_number[k:] > k) & (product[k:] == product[:-k])
        if not dup.any():
            return
        product[dup] = rng.integers(0, n_products, int(dup.sum()))


def build_order_slice(
    rng: np.random.Generator,
    ctx: OrderContext,
    first_day: int,
    daily_counts: np.ndarray,
    first_order_id: int,
    first_line_id: int,
) -> OrderSlice:
    """Orders for days first_day.. (offsets from the window start), ids in time order."""
    n = int(daily_counts.sum())
    day = np.repeat(np.arange(first_day, first_day + len(daily_counts)), daily_counts)
    order_ts = np.sort(ctx.window_start + day * DAY + seconds_in_day(rng, n))

    customer = draw_index(rng, ctx.customers.activity_cum, n)
    country = ctx.customers.country[customer]
    channel = draw_categorical(rng, channel_weights(ctx.channels), n)
    online = np.array([c.is_online for c in ctx.channels], dtype=np.int64)[channel]
    payment = draw_conditional(rng, online, PAYMENT_WEIGHTS)
    status, updated = _statuses(rng, order_ts, ctx.window_end)
    order_ids = first_order_id + np.arange(n, dtype=np.int64)

    orders = pa.table(
        {
            "order_id": pa.array(order_ids),
            "customer_id": pa.array(customer.astype(np.int64) + 1),
            "order_ts": au.timestamps(order_ts),
            "status": au.labels(status, ORDER_STATUSES),
            "channel": au.labels(channel, [c.code for c in ctx.channels]),
            "country_code": au.labels(country, ctx.country_codes),
            "currency": au.labels(ctx.currency_of_country[country], ctx.currencies),
            "payment_method": au.labels(payment, PAYMENT_METHODS),
            "updated_at": au.timestamps(updated),
            "op": au.constant("insert", n),
        }
    )

    lines_per_order = 1 + draw_categorical(rng, LINES_PER_ORDER_WEIGHTS, n)
    n_lines = int(lines_per_order.sum())
    line_order = np.repeat(np.arange(n), lines_per_order)
    starts = np.concatenate([[0], np.cumsum(lines_per_order)[:-1]])
    line_number = np.arange(n_lines) - np.repeat(starts, lines_per_order) + 1
    product = draw_index(rng, ctx.catalog.popularity_cum, n_lines).astype(np.int64)
    _distinct_products_per_order(rng, product, line_number, ctx.catalog.size)
    quantity = 1 + draw_categorical(rng, QUANTITY_WEIGHTS, n_lines)
    unit_cents = ctx.catalog.price_cents[product]
    percent = DISCOUNT_PERCENTS[draw_categorical(rng, DISCOUNT_PERCENT_WEIGHTS, n_lines)]
    discounted = rng.random(n_lines) < DISCOUNT_SHARE
    # Whole cents, rounded down: always below quantity * unit_price because percent < 100.
    discount_cents = np.where(discounted, quantity * unit_cents * percent // 100, 0)

    lines = pa.table(
        {
            "order_line_id": pa.array(first_line_id + np.arange(n_lines, dtype=np.int64)),
            "order_id": pa.array(order_ids[line_order]),
            "line_number": pa.array(line_number.astype(np.int64)),
            "product_id": pa.array(product + 1),
            "quantity": pa.array(quantity.astype(np.int64)),
            "unit_price": au.money(unit_cents),
            "discount_amount": au.money(discount_cents),
            "updated_at": au.timestamps(order_ts[line_order]),
            "op": au.constant("insert", n_lines),
        }
    )
    return OrderSlice(
        orders,
        lines,
        customer,
        order_ts,
        status=status,
        updated_at=updated,
        channel=channel,
        country=country,
        currency=ctx.currency_of_country[country],
        payment=payment,
        lines_per_order=lines_per_order,
        line_number=line_number,
        product_index=product,
        quantity=quantity,
        unit_cents=unit_cents,
        discount_cents=discount_cents,
    )


def currency_index(country_currencies: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Country index -> index into the sorted distinct currencies."""
    currencies = sorted(set(country_currencies))
    return np.array([currencies.index(c) for c in country_currencies]), currencies
