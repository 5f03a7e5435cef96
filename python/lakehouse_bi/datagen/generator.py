"""Orchestrates one generator run: plan volumes, build entities, write the initial batch.

Extension point for daily CDC batches (a later `--batches N`): after `write_initial_load`,
open `writer.start_batch(sequence, day, "cdc")` per day and write inserts/updates/deletes
derived from the returned `World` (entity state and next free ids); the manifest then lists
every batch, and `publish` stays the single final step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lakehouse_bi import __version__
from lakehouse_bi.datagen.catalog import Catalog, build_catalog
from lakehouse_bi.datagen.config import GenerationConfig
from lakehouse_bi.datagen.customers import CustomerProfile, build_customers, plan_customers
from lakehouse_bi.datagen.distributions import (
    SECONDS_PER_DAY,
    day_weights,
    epoch_seconds,
    group_days,
    rng_for,
)
from lakehouse_bi.datagen.orders import OrderContext, build_order_slice, currency_index
from lakehouse_bi.datagen.seeds import ReferenceData, load_reference_data
from lakehouse_bi.datagen.web_events import EventContext, UrlBook, build_event_slice
from lakehouse_bi.datagen.writer import BatchOutput, LandingWriter

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
        # products + order parts + event parts + customers + manifest/publish
        return 3 + len(self.order_parts) + len(self.event_parts)


@dataclass
class World:
    """Entity state after a load: what a later daily CDC batch would start from."""

    reference: ReferenceData
    customers: CustomerProfile
    catalog: Catalog
    next_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class GenerationResult:
    manifest: dict
    batch: BatchOutput
    world: World


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
    }


def _part(index: int, parts: list) -> int | None:
    return index if len(parts) > 1 else None


def write_initial_load(
    plan: GenerationPlan,
    writer: LandingWriter,
    reference: ReferenceData,
    on_step: StepCallback,
) -> tuple[BatchOutput, World]:
    """Batch b0000_<start date>: every entity, all records as op='insert'."""
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
    next_order, next_line = 1, 1
    for i, (lo, hi) in enumerate(plan.order_parts):
        on_step(f"orders + lines, part {i + 1}/{len(plan.order_parts)}")
        part = build_order_slice(
            rng_for(seed, "orders", i), order_ctx, lo, plan.order_days[lo:hi], next_order, next_line
        )
        profile.record_activity(part.customer_index, part.order_ts)
        writer.write(batch, "orders", part.orders, _part(i, plan.order_parts))
        writer.write(batch, "order_lines", part.lines, _part(i, plan.order_parts))
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
    customers = build_customers(profile, codes, config.end_date, seed)
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
    )
    return batch, world


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
    try:
        batch, world = write_initial_load(plan, writer, reference, step)
        step("manifest")
        header = manifest_header(config)
        writer.write_manifest(header)
        writer.publish()
    except BaseException:
        writer.discard()
        raise
    manifest = {**header, "batches": [b.to_json() for b in writer.batches]}
    return GenerationResult(manifest=manifest, batch=batch, world=world)
