"""Clickstream: sessions of several events following a browse -> cart -> checkout funnel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lakehouse_bi.datagen import arrow_utils as au
from lakehouse_bi.datagen.catalog import TAXONOMY, Catalog, search_terms
from lakehouse_bi.datagen.customers import CustomerProfile
from lakehouse_bi.datagen.distributions import (
    SECONDS_PER_DAY,
    cumulative,
    draw_categorical,
    draw_conditional,
    draw_index,
    seconds_in_day,
)
from lakehouse_bi.datagen.schema import EVENT_TYPES
from lakehouse_bi.datagen.seeds import Channel

PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, CHECKOUT, PURCHASE, SEARCH = (
    EVENT_TYPES.index(t)
    for t in ("page_view", "product_view", "add_to_cart", "checkout", "purchase", "search")
)
FUNNEL = np.array([ADD_TO_CART, CHECKOUT, PURCHASE])
# Browsing events by position: sessions open on a page or a search, then mostly view products.
FIRST_EVENT = {PAGE_VIEW: 0.55, SEARCH: 0.25, PRODUCT_VIEW: 0.20}
LATER_EVENT = {PRODUCT_VIEW: 0.55, PAGE_VIEW: 0.22, SEARCH: 0.15, ADD_TO_CART: 0.08}
# How deep into the funnel a session ends: none, cart, checkout, purchase.
FUNNEL_DEPTH_WEIGHTS = np.array(
    [
        [0.78, 0.12, 0.04, 0.06],  # signed-in visitors
        [0.85, 0.11, 0.04, 0.00],  # anonymous visitors cannot complete a purchase
    ]
)
ANONYMOUS_SHARE = 0.30
MEAN_SESSION_EVENTS = 5.0
MAX_SESSION_EVENTS = 40
MEAN_SECONDS_BETWEEN_EVENTS = 45.0
EVENT_CHANNEL_WEIGHTS = {"web": 0.62, "mobile_app": 0.33, "marketplace": 0.05}
DEFAULT_EVENT_CHANNEL_WEIGHT = 0.02
DEVICES = ("desktop", "mobile", "tablet")
DEVICE_WEIGHTS = {"web": (0.55, 0.35, 0.10), "mobile_app": (0.0, 0.85, 0.15)}
DEFAULT_DEVICE_WEIGHTS = (0.50, 0.42, 0.08)
STATIC_PAGES = ("/", "/deals", "/new-arrivals", "/account", "/help/shipping", "/help/returns")


@dataclass(frozen=True)
class EventContext:
    window_start: int
    window_end: int
    customers: CustomerProfile
    catalog: Catalog
    channels: Sequence[Channel]  # online channels only: offline ones have no clickstream


@dataclass
class EventSlice:
    events: pa.Table
    customer_index: np.ndarray  # signed-in events only, for first-activity tracking
    customer_ts: np.ndarray
    sessions: int


class UrlBook:
    """Every page url in one arrow array, so each event's url is a single `take`."""

    def __init__(self, catalog: Catalog) -> None:
        categories = [f"/c/{c.name}" for c in TAXONOMY]
        subcats = [f"/c/{path}" for path in catalog.subcategory_paths]
        pages = [*STATIC_PAGES, *categories, *subcats]
        searches = [f"/search?q={term.replace(' ', '+')}" for term in search_terms()]
        fixed = ["/cart", "/checkout", "/checkout/confirmation"]
        products = [f"/p/{pid}" for pid in range(1, catalog.size + 1)]
        self.n_pages, self.n_searches = len(pages), len(searches)
        self.search_offset = len(pages)
        self.fixed_offset = self.search_offset + len(searches)
        self.product_offset = self.fixed_offset + len(fixed)
        self.urls = pa.array([*pages, *searches, *fixed, *products], pa.string())

    def for_events(
        self, rng: np.random.Generator, event_type: np.ndarray, product: np.ndarray
    ) -> pa.Array:
        n = len(event_type)
        idx = (rng.random(n) * self.n_pages).astype(np.int64)
        search = self.search_offset + (rng.random(n) * self.n_searches).astype(np.int64)
        idx = np.where(event_type == SEARCH, search, idx)
        idx = np.where(event_type == ADD_TO_CART, self.fixed_offset, idx)
        idx = np.where(event_type == CHECKOUT, self.fixed_offset + 1, idx)
        idx = np.where(event_type == PURCHASE, self.fixed_offset + 2, idx)
        idx = np.where(event_type == PRODUCT_VIEW, self.product_offset + product, idx)
        return self.urls.take(pa.array(idx))


def event_channel_weights(channels: Sequence[Channel]) -> np.ndarray:
    return np.array(
        [EVENT_CHANNEL_WEIGHTS.get(c.code, DEFAULT_EVENT_CHANNEL_WEIGHT) for c in channels]
    )


def _weights(mapping: dict[int, float]) -> np.ndarray:
    w = np.zeros(len(EVENT_TYPES))
    for k, v in mapping.items():
        w[k] = v
    return w


def _session_lengths(rng: np.random.Generator, budget: int) -> np.ndarray:
    """Geometric session lengths (mean ~5) whose total is exactly `budget` events."""
    estimate = int(budget / MEAN_SESSION_EVENTS * 1.2) + 16
    lengths = np.minimum(rng.geometric(1.0 / MEAN_SESSION_EVENTS, estimate), MAX_SESSION_EVENTS)
    while lengths.sum() < budget:
        more = rng.geometric(1.0 / MEAN_SESSION_EVENTS, estimate)
        lengths = np.concatenate([lengths, np.minimum(more, MAX_SESSION_EVENTS)])
    total = np.cumsum(lengths)
    keep = int(np.searchsorted(total, budget)) + 1
    lengths = lengths[:keep].copy()
    lengths[-1] -= int(total[keep - 1] - budget)
    return lengths


def build_event_slice(
    rng: np.random.Generator,
    ctx: EventContext,
    urls: UrlBook,
    first_day: int,
    daily_counts: np.ndarray,
    first_event_id: int,
    first_session_id: int,
) -> EventSlice:
    budget = int(daily_counts.sum())
    lengths = _session_lengths(rng, budget)
    n_sessions = len(lengths)

    # Session level: when, who, where from. Sessions are numbered by start time.
    day = first_day + draw_index(rng, cumulative(daily_counts), n_sessions)
    start = np.sort(ctx.window_start + day * SECONDS_PER_DAY + seconds_in_day(rng, n_sessions))
    anonymous = rng.random(n_sessions) < ANONYMOUS_SHARE
    customer = draw_index(rng, ctx.customers.activity_cum, n_sessions).astype(np.int64)
    channel = draw_categorical(rng, event_channel_weights(ctx.channels), n_sessions)
    device_matrix = np.array(
        [DEVICE_WEIGHTS.get(c.code, DEFAULT_DEVICE_WEIGHTS) for c in ctx.channels]
    )
    device = draw_conditional(rng, channel, device_matrix)
    depth = draw_conditional(rng, anonymous.astype(np.int64), FUNNEL_DEPTH_WEIGHTS)
    depth = np.minimum(depth, lengths - 1)  # keep a browsing event before the funnel

    # Event level.
    session = np.repeat(np.arange(n_sessions), lengths)
    session_first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(budget) - np.repeat(session_first, lengths)
    from_end = np.repeat(lengths, lengths) - 1 - position
    event_depth = depth[session]
    browse = np.where(
        position == 0,
        draw_categorical(rng, _weights(FIRST_EVENT), budget),
        draw_categorical(rng, _weights(LATER_EVENT), budget),
    )
    in_funnel = from_end < event_depth
    funnel_step = np.clip(event_depth - 1 - from_end, 0, len(FUNNEL) - 1)
    event_type = np.where(in_funnel, FUNNEL[funnel_step], browse)

    product = draw_index(rng, ctx.catalog.popularity_cum, budget).astype(np.int64)
    # A product goes into the cart right after it was viewed.
    follows_view = np.zeros(budget, dtype=bool)
    follows_view[1:] = (position[1:] > 0) & (event_type[:-1] == PRODUCT_VIEW)
    copy = (event_type == ADD_TO_CART) & follows_view
    product[1:][copy[1:]] = product[:-1][copy[1:]]
    has_product = (event_type == PRODUCT_VIEW) | (event_type == ADD_TO_CART)

    gap = np.rint(rng.exponential(MEAN_SECONDS_BETWEEN_EVENTS, budget)).astype(np.int64) + 3
    gap[session_first] = 0
    offset = np.cumsum(gap)
    offset -= np.repeat(offset[session_first], lengths)
    # Sessions that would run past the window end start earlier instead.
    duration = offset[session_first + lengths - 1]
    start = np.maximum(np.minimum(start, ctx.window_end - duration), ctx.window_start)
    event_ts = np.minimum(np.repeat(start, lengths) + offset, ctx.window_end)

    # Ids follow time, as in a real event log; sessions interleave.
    order = np.argsort(event_ts, kind="stable")
    session, event_type, product, has_product, event_ts = (
        a[order] for a in (session, event_type, product, has_product, event_ts)
    )
    signed_in = ~anonymous[session]
    events = pa.table(
        {
            "event_id": pa.array(first_event_id + np.arange(budget, dtype=np.int64)),
            "session_id": pa.array(first_session_id + session.astype(np.int64)),
            "customer_id": au.nullable_ints(customer[session] + 1, ~signed_in),
            "event_type": au.labels(event_type, EVENT_TYPES),
            "page_url": urls.for_events(rng, event_type, product),
            "product_id": au.nullable_ints(product + 1, ~has_product),
            "channel": au.labels(channel[session], [c.code for c in ctx.channels]),
            "device": au.labels(device[session], DEVICES),
            "event_ts": au.timestamps(event_ts),
        }
    )
    signed_in_sessions = ~anonymous
    return EventSlice(
        events=events,
        customer_index=customer[signed_in_sessions],
        customer_ts=start[signed_in_sessions],
        sessions=n_sessions,
    )
