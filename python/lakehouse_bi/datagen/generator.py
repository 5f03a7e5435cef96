"""Orchestrates one generator run: plan volumes, build entities, write every batch.

`write_initial_load` writes batch b0000 (the whole window, all op='insert') and returns the
`World`: entity state and next free ids. With `--batches N`, `cdc.write_cdc_batch` then
writes one daily CDC batch per day after the window from that state (inserts, updates,
deletes, late and duplicate records, dimension changes); `--inject-anomalies` appends
invalid records to every batch (`anomalies.py`). The manifest lists every batch, and
`publish` stays the single final step: nothing is visible before the whole run succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from lakehouse_bi import __version__
from lakehouse_bi.datagen.anomalies import inject_anomalies
from lakehouse_bi.datagen.catalog import (
    INACTIVE_POPULARITY,
    TAXONOMY,
    Catalog,
    _descriptor_pool,
    build_catalog,
)
from lakehouse_bi.datagen.cdc import PoolLists, write_cdc_batch
from lakehouse_bi.datagen.config import GenerationConfig
from lakehouse_bi.datagen.customers import (
    CustomerProfile,
    build_customers,
    customer_pools,
    plan_customers,
)
from lakehouse_bi.datagen.distributions import (
    SECONDS_PER_DAY,
    day_weights,
    epoch_seconds,
    group_days,
    rng_for,
)
from lakehouse_bi.datagen.orders import OrderContext, build_order_slice, currency_index
from lakehouse_bi.datagen.seeds import Channel, ReferenceData, load_reference_data
from lakehouse_bi.datagen.state import (
    CustomerState,
    LineBook,
    OrderBook,
    ProductState,
    day_bounds,
)
from lakehouse_bi.datagen.web_events import EventContext, UrlBook, build_event_slice
from lakehouse_bi.datagen.writer import CHANGES_NAME, BatchOutput, LandingWriter

# Above these sizes an entity is generated and written in day-sliced parts (partNNN files),
# which bounds memory: medium stays single-file, large splits.
MAX_ORDERS_PER_PART = 2_000_000
MAX_EVENTS_PER_PART = 10_000_000
INITIAL_BATCH_SEQUENCE = 0

StepCallback = Callable[[str], None]  # called with a description as each step starts


@dataclass
class GenerationPlan:
    config: GenerationConfig
    order_days: np.ndarray  # orders per day of the window
    event_days: np.ndarray  # web events per day of the window
    order_parts: list[tuple[int, int]]  # [first day, end day) per part
    event_parts: list[tuple[int, int]]

    @property
    def total_steps(self) -> int:
        # products + order parts + event parts + customers + anomalies + batches + manifest
        return 4 + len(self.order_parts) + len(self.event_parts) + self.config.batches


@dataclass
class World:
    """Entity state after a load: what the next daily CDC batch starts from.

    The numeric state (customer_state ... lines) is kept only when batches or anomalies
    need it, so a plain large initial load does not hold every order in memory.
    """

    reference: ReferenceData
    customers: CustomerProfile
    catalog: Catalog
    next_ids: dict[str, int] = field(default_factory=dict)
    customer_state: CustomerState | None = None
    product_state: ProductState | None = None
    orders: OrderBook | None = None
    lines: LineBook | None = None
    pool_lists: PoolLists | None = None
    descriptors: list[str] = field(default_factory=list)
    currency_of_country: np.ndarray | None = None
    currencies: list[str] = field(default_factory=list)
    online_channels: tuple[Channel, ...] = ()
    anomaly_keys: dict[str, int] = field(default_factory=dict)  # last injected key per entity
    orphan_refs: dict[str, int] = field(default_factory=dict)  # last orphan reference used


@dataclass
class GenerationResult:
    manifest: dict
    batch: BatchOutput  # the initial load
    world: World
    batches: list[BatchOutput] = field(default_factory=list)  # every batch, b0000 first


def plan_generation(config: GenerationConfig) -> GenerationPlan:
    weights = day_weights(config.start_date, config.days)
    p = weights / weights.sum()
    order_days = rng_for(config.seed, "order_days").multinomial(config.orders, p)
    event_days = rng_for(config.seed, "event_days").multinomial(config.web_events, p)
    return GenerationPlan(
        config=config,
        order_days=order_days,
        event_days=event_days,
        order_parts=group_days(order_days, MAX_ORDERS_PER_PART),
        event_parts=group_days(event_days, MAX_EVENTS_PER_PART),
    )


def manifest_header(config: GenerationConfig) -> dict:
    # No wall-clock fields: the manifest must be byte-identical for the same seed and args.
    return {
        "generator": "lakehouse-bi generate",
        "generator_version": __version__,
        "scenario": config.scenario,
        "seed": config.seed,
        "rows_override": config.rows_override,
        "start_date": config.start_date.isoformat(),
        "end_date": config.end_date.isoformat(),
        "settings": {
            "batches": config.batches,
            **config.rates.to_json(),
            "inject_anomalies": config.inject_anomalies,
        },
        "changes_file": CHANGES_NAME,
    }


def _part(index: int, parts: list) -> int | None:
    return index if len(parts) > 1 else None


def write_initial_load(
    plan: GenerationPlan,
    writer: LandingWriter,
    reference: ReferenceData,
    on_step: StepCallback,
    keep_state: bool = False,
) -> tuple[BatchOutput, World]:
    """Batch b0000_<start date>: every entity, all records as op='insert'.

    `keep_state` keeps every order and line as numbers in the returned World (needed by
    CDC batches and anomaly injection).
    """
    config = plan.config
    seed = config.seed
    batch = writer.start_batch(INITIAL_BATCH_SEQUENCE, config.start_date, "initial")
    window_start = epoch_seconds(config.start_date)
    window_end = window_start + config.days * SECONDS_PER_DAY - 1
    codes = reference.country_codes

    on_step("products")
    catalog = build_catalog(config.products, config.start_date, seed)
    writer.write(batch, "products", catalog.table)

    profile = plan_customers(config.customers, codes, config.start_date, config.end_date, seed)
    currency_of_country, currencies = currency_index([c.currency for c in reference.countries])
    order_ctx = OrderContext(
        window_start=window_start,
        window_end=window_end,
        customers=profile,
        catalog=catalog,
        channels=reference.channels,
        country_codes=codes,
        currency_of_country=currency_of_country,
        currencies=currencies,
    )
    orders, lines = (OrderBook(), LineBook()) if keep_state else (None, None)
    next_order, next_line = 1, 1
    for i, (lo, hi) in enumerate(plan.order_parts):
        on_step(f"orders + lines, part {i + 1}/{len(plan.order_parts)}")
        part = build_order_slice(
            rng_for(seed, "orders", i), order_ctx, lo, plan.order_days[lo:hi], next_order, next_line
        )
        profile.record_activity(part.customer_index, part.order_ts)
        writer.write(batch, "orders", part.orders, _part(i, plan.order_parts))
        writer.write(batch, "order_lines", part.lines, _part(i, plan.order_parts))
        if keep_state:
            _keep_orders(orders, lines, part, next_order, next_line)
        next_order += part.orders.num_rows
        next_line += part.lines.num_rows
        del part

    online = tuple(c for c in reference.channels if c.is_online) or reference.channels
    event_ctx = EventContext(window_start, window_end, profile, catalog, online)
    urls = UrlBook(catalog)
    next_event, next_session = 1, 1
    for i, (lo, hi) in enumerate(plan.event_parts):
        on_step(f"web events, part {i + 1}/{len(plan.event_parts)}")
        part = build_event_slice(
            rng_for(seed, "web_events", i),
            event_ctx,
            urls,
            lo,
            plan.event_days[lo:hi],
            next_event,
            next_session,
        )
        profile.record_activity(part.customer_index, part.customer_ts)
        writer.write(batch, "web_events", part.events, _part(i, plan.event_parts))
        next_event += part.events.num_rows
        next_session += part.sessions
        del part

    on_step("customers")
    pools = customer_pools(config.customers, codes, seed)
    customers = build_customers(profile, codes, config.end_date, seed, pools)
    writer.write(batch, "customers", customers)

    world = World(
        reference=reference,
        customers=profile,
        catalog=catalog,
        next_ids={
            "customer_id": config.customers + 1,
            "product_id": config.products + 1,
            "order_id": next_order,
            "order_line_id": next_line,
            "event_id": next_event,
            "session_id": next_session,
        },
        currency_of_country=currency_of_country,
        currencies=currencies,
        online_channels=online,
    )
    if keep_state:
        world.customer_state = _customer_state(customers, profile)
        world.product_state = _product_state(catalog)
        world.orders, world.lines = orders, lines
        world.pool_lists = PoolLists.from_pools(pools)
        world.descriptors = _descriptor_pool(seed)
    return batch, world


def _keep_orders(orders: OrderBook, lines: LineBook, part, first_order: int, first_line: int):
    n = len(part.order_ts)
    starts = (np.cumsum(part.lines_per_order) - part.lines_per_order).astype(np.int64)
    line_order = np.repeat(np.arange(n, dtype=np.int64), part.lines_per_order)
    orders.append(
        customer=part.customer_index,
        order_ts=part.order_ts,
        status=part.status,
        channel=part.channel,
        country=part.country,
        currency=part.currency,
        payment=part.payment,
        updated_at=part.updated_at,
        live=np.ones(n, bool),
        first_line=first_line - 1 + starts,
        n_lines=part.lines_per_order,
    )
    lines.append(
        order=first_order - 1 + line_order,
        line_number=part.line_number,
        product=part.product_index,
        quantity=part.quantity,
        unit_cents=part.unit_cents,
        discount_cents=part.discount_cents,
        updated_at=part.order_ts[line_order],
        live=np.ones(len(line_order), bool),
    )


def _epochs(column) -> np.ndarray:
    return column.cast(pa.timestamp("s")).cast(pa.int64()).to_numpy(zero_copy_only=False)


def _customer_state(table: pa.Table, profile: CustomerProfile) -> CustomerState:
    activity = np.diff(profile.activity_cum, prepend=0.0)
    return CustomerState(
        entity="customers",
        base=table,
        live=np.ones(table.num_rows, bool),
        country=profile.country.astype(np.int64),
        segment=profile.segment.astype(np.int64),
        signup_ts=_epochs(table.column("updated_at")),  # updated_at = signup time
        activity=np.maximum(activity, 0.0),
    )


def _product_state(catalog: Catalog) -> ProductState:
    table = catalog.table
    active = table.column("is_active").to_numpy(zero_copy_only=False).astype(bool)
    popularity = np.maximum(np.diff(catalog.popularity_cum, prepend=0.0), 0.0)
    names = [c.name for c in TAXONOMY]
    category = np.array([names.index(c) for c in table.column("category").to_pylist()])
    cost = np.round(table.column("unit_cost").to_numpy() * 100).astype(np.int64)
    return ProductState(
        entity="products",
        base=table,
        live=np.ones(table.num_rows, bool),
        active=active,
        price_cents=catalog.price_cents.astype(np.int64).copy(),
        cost_cents=cost,
        category=category.astype(np.int64),
        # Inactive products sold less in the initial load; reactivated ones sell normally.
        popularity=np.where(active, popularity, popularity / INACTIVE_POPULARITY),
    )


def generate_landing(
    config: GenerationConfig,
    output: Path,
    *,
    reference: ReferenceData | None = None,
    on_step: StepCallback | None = None,
    plan: GenerationPlan | None = None,
) -> GenerationResult:
    """Write a complete landing zone into `output` (which the caller has validated).

    `reference` defaults to the project's seeds (countries, channels).
    """
    reference = reference or load_reference_data()
    plan = plan or plan_generation(config)
    step = on_step or (lambda _description: None)
    writer = LandingWriter(Path(output))
    keep_state = config.batches > 0 or config.inject_anomalies > 0
    try:
        batch, world = write_initial_load(plan, writer, reference, step, keep_state)
        step("anomalies")
        window = (day_bounds(config.start_date)[0], day_bounds(config.end_date)[1])
        _anomalies(world, writer, batch, config, 0, window)
        for sequence in range(1, config.batches + 1):
            day = config.batch_date(sequence)
            step(f"batch {sequence}/{config.batches} ({day})")
            cdc = write_cdc_batch(world, writer, config, sequence)
            _anomalies(world, writer, cdc, config, sequence, day_bounds(day))
        step("manifest")
        header = manifest_header(config)
        writer.write_manifest(header)
        writer.publish()
    except BaseException:
        writer.discard()
        raise
    manifest = {**header, "batches": [b.to_json() for b in writer.batches]}
    return GenerationResult(
        manifest=manifest, batch=batch, world=world, batches=list(writer.batches)
    )


def _anomalies(world, writer, batch, config: GenerationConfig, sequence: int, window) -> None:
    counts = inject_anomalies(
        world, writer, batch, config.inject_anomalies, config.seed, sequence, window
    )
    batch.details["anomalies"] = counts
