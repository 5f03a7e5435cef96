"""`--inject-anomalies RATE`: extra invalid records, each invalid for exactly one reason.

Per entity and batch about RATE x (the batch's records of that entity) extra records are
appended to the entity's (last) file. Valid records are never touched, so referential
integrity and the gold figures of the valid data stay what they were. Every injected record
is logged in `_changes.jsonl` (kind "anomaly") with its file, reason and the exact values
written. Vocabulary and semantics: docs/LANDING.md, "Data quality".
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from lakehouse_bi.datagen.catalog import search_terms
from lakehouse_bi.datagen.distributions import SECONDS_PER_DAY, rng_for
from lakehouse_bi.datagen.orders import PAYMENT_METHODS, PAYMENT_WEIGHTS
from lakehouse_bi.datagen.schema import ENTITIES
from lakehouse_bi.datagen.state import money_text, ts_text
from lakehouse_bi.datagen.web_events import DEFAULT_DEVICE_WEIGHTS, DEVICE_WEIGHTS, DEVICES
from lakehouse_bi.datagen.writer import BatchOutput, LandingWriter, csv_text

if TYPE_CHECKING:
    from lakehouse_bi.datagen.generator import World

REASONS: dict[str, tuple[str, ...]] = {
    "customers": ("null_key", "unknown_country", "invalid_email"),
    "products": ("null_key", "negative_price", "bad_type"),
    "orders": ("null_key", "bad_type", "unknown_country", "orphan_customer", "future_date"),
    "order_lines": ("null_key", "bad_type", "negative_price", "orphan_order", "orphan_product"),
    "web_events": ("null_key", "bad_type", "orphan_product"),
}
# Valid ids stay far below these: injected records take keys from the first range, and
# orphan references point into the second one, where no record is ever delivered.
ANOMALY_KEY_BASE = 1_000_000_000
ORPHAN_REF_BASE = 2_000_000_000
BAD_VALUE = "abc"  # bad_type: a string where a number or timestamp is expected
FUTURE_MIN_SECONDS = 2 * SECONDS_PER_DAY  # future_date: > 1 day after the batch's last day
UNKNOWN_COUNTRIES = ("XX", "ZZ", "QQ", "XA", "XB")
BROKEN_EMAILS = ("no_at", "double_at", "no_domain")


def _money(cents: int) -> Decimal:
    return Decimal(money_text(cents))


def _json_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AnomalyMaker:
    """Builds invalid records whose every other field is valid at the batch's time."""

    def __init__(
        self, world: World, rng: np.random.Generator, t_lo: int, t_hi: int, last_second: int
    ) -> None:
        self.world, self.rng = world, rng
        self.t_lo, self.t_hi, self.last_second = t_lo, t_hi, last_second
        cs, ps = world.customer_state, world.product_state
        self.customers = np.flatnonzero(cs.live)
        self.products = np.flatnonzero(ps.live & ps.active)
        orders = world.orders
        self.orders = np.flatnonzero(orders.live & cs.live[orders.customer])
        codes = set(world.reference.country_codes)
        self.unknown = [c for c in UNKNOWN_COUNTRIES if c not in codes] or ["XX1"]

    # ------------------------------------------------------------------ helpers

    def _int(self, hi: int) -> int:
        return int(self.rng.integers(hi))

    def _ts(self) -> int:
        return int(self.rng.integers(self.t_lo, self.t_hi + 1))

    def _key(self, entity: str) -> int:
        keys = self.world.anomaly_keys
        keys[entity] = keys.get(entity, ANOMALY_KEY_BASE) + 1
        return keys[entity]

    def _orphan(self, entity: str) -> int:
        refs = self.world.orphan_refs
        refs[entity] = refs.get(entity, ORPHAN_REF_BASE) + 1
        return refs[entity]

    def _customer_before(self, ts: int) -> int:
        """A live customer signed up before ts."""
        signup = self.world.customer_state.signup_ts
        for _ in range(50):
            index = int(self.customers[self._int(len(self.customers))])
            if signup[index] < ts:
                return index
        ok = self.customers[signup[self.customers] < ts]
        return int(ok[0]) if len(ok) else int(self.customers[np.argmin(signup[self.customers])])

    def _product(self) -> int:
        return int(self.products[self._int(len(self.products))])

    # ------------------------------------------------------------------ entities

    def customers_record(self, reason: str) -> dict:
        st = self.world.customer_state
        (row,) = st.rows(np.array([self.customers[self._int(len(self.customers))]]))
        record = dict(zip(ENTITIES["customers"].columns, row, strict=True))
        key = self._key("customers")
        ts = self._ts()
        local, domain = record["email"].rsplit("@", 1)
        local = local.rstrip("0123456789") + str(key)
        record.update(
            customer_id=key,
            email=f"{local}@{domain}",
            signup_date=ts_text(ts)[:10],
            updated_at=ts_text(ts),
            op="insert",
        )
        if reason == "null_key":
            record["customer_id"] = None
        elif reason == "unknown_country":
            record["country_code"] = self.unknown[self._int(len(self.unknown))]
        elif reason == "invalid_email":
            broken = BROKEN_EMAILS[self._int(len(BROKEN_EMAILS))]
            record["email"] = {
                "no_at": f"{local}.{domain}",
                "double_at": f"{local}@@{domain}",
                "no_domain": f"{local}@",
            }[broken]
        return record

    def products_record(self, reason: str) -> dict:
        st = self.world.product_state
        index = self._product()
        (row,) = st.rows(np.array([index]))
        record = dict(zip(ENTITIES["products"].columns, row, strict=True))
        record.update(product_id=self._key("products"), updated_at=ts_text(self._ts()), op="insert")
        if reason == "null_key":
            record["product_id"] = None
        elif reason == "negative_price":
            record["list_price"] = "-" + money_text(st.price_cents[index])
        elif reason == "bad_type":
            record["list_price"] = BAD_VALUE
        return record

    def orders_record(self, reason: str) -> dict:
        world = self.world
        ref = world.reference
        ts = self._ts()
        customer = self._customer_before(ts)
        country = int(world.customer_state.country_at(np.array([customer]), np.array([ts]))[0])
        channel = self._int(len(ref.channels))
        weights = PAYMENT_WEIGHTS[int(ref.channels[channel].is_online)]
        payment = int(self.rng.choice(len(PAYMENT_METHODS), p=weights / weights.sum()))
        record = {
            "order_id": self._key("orders"),
            "customer_id": customer + 1,
            "order_ts": ts_text(ts),
            "status": "placed",
            "channel": ref.channels[channel].code,
            "country_code": ref.country_codes[country],
            "currency": world.currencies[world.currency_of_country[country]],
            "payment_method": PAYMENT_METHODS[payment],
            "updated_at": ts_text(ts),
            "op": "insert",
        }
        if reason == "null_key":
            record["order_id"] = None
        elif reason == "bad_type":
            record["order_ts"] = BAD_VALUE
        elif reason == "unknown_country":
            record["country_code"] = self.unknown[self._int(len(self.unknown))]
        elif reason == "orphan_customer":
            record["customer_id"] = self._orphan("customers")
        elif reason == "future_date":
            ahead = int(self.rng.integers(FUTURE_MIN_SECONDS, 30 * SECONDS_PER_DAY))
            record["order_ts"] = ts_text(self.last_second + ahead)
        return record

    def order_lines_record(self, reason: str) -> dict:
        world = self.world
        orders, ps = world.orders, world.product_state
        order = int(self.orders[self._int(len(self.orders))])
        product = self._product()
        ts = max(self._ts(), int(orders.order_ts[order]))
        record = {
            "order_line_id": self._key("order_lines"),
            "order_id": order + 1,
            "line_number": int(orders.n_lines[order]) + 1 + self._int(3),
            "product_id": product + 1,
            "quantity": 1 + self._int(3),
            "unit_price": _money(ps.price_cents[product]),
            "discount_amount": _money(0),
            "updated_at": ts_text(ts),
            "op": "insert",
        }
        if reason == "null_key":
            record["order_line_id"] = None
        elif reason == "bad_type":
            record["quantity"] = BAD_VALUE
        elif reason == "negative_price":
            record["unit_price"] = -record["unit_price"]
        elif reason == "orphan_order":
            record["order_id"], record["line_number"] = self._orphan("orders"), 1
        elif reason == "orphan_product":
            record["product_id"] = self._orphan("products")
        return record

    def web_events_record(self, reason: str) -> dict:
        channels = self.world.online_channels
        channel = channels[self._int(len(channels))]
        weights = np.array(DEVICE_WEIGHTS.get(channel.code, DEFAULT_DEVICE_WEIGHTS))
        device = DEVICES[int(self.rng.choice(len(DEVICES), p=weights / weights.sum()))]
        ts = self._ts()
        anonymous = self.rng.random() < 0.3
        customer = None if anonymous else self._customer_before(ts) + 1
        event_type = (
            "product_view"
            if reason == "orphan_product"
            else ("page_view", "product_view", "search")[self._int(3)]
        )
        product = None
        url = "/deals"
        if event_type == "product_view":
            orphan = reason == "orphan_product"
            product = self._orphan("products") if orphan else self._product() + 1
            url = f"/p/{product}"
        elif event_type == "search":
            terms = search_terms()
            url = "/search?q=" + terms[self._int(len(terms))].replace(" ", "+")
        record = {
            "event_id": self._key("web_events"),
            "session_id": self._key("sessions"),
            "customer_id": customer,
            "event_type": event_type,
            "page_url": url,
            "product_id": product,
            "channel": channel.code,
            "device": device,
            "event_ts": ts_text(ts),
        }
        if reason == "null_key":
            record["event_id"] = None
        elif reason == "bad_type":
            record["event_ts"] = BAD_VALUE
        return record


def inject_anomalies(
    world: World,
    writer: LandingWriter,
    batch: BatchOutput,
    rate: float,
    seed: int,
    sequence: int,
    window: tuple[int, int],
) -> dict[str, dict[str, int]]:
    """Append invalid records to each entity file of `batch`; returns counts by reason.

    `window`: (first, last) second of the batch; valid timestamps of the added records lie
    inside it, and `future_date` is measured from its last second.
    """
    counts = {entity: dict.fromkeys(reasons, 0) for entity, reasons in REASONS.items()}
    if rate <= 0:
        return counts
    rng = rng_for(seed, "anomalies", sequence)
    maker = AnomalyMaker(world, rng, window[0], window[1], window[1])
    if not len(maker.customers) or not len(maker.products) or not len(maker.orders):
        return counts  # nothing valid left to build the other fields from
    entries: list[str] = []
    for entity, reasons in REASONS.items():
        out = batch.entities[entity]
        n = int(rng.binomial(out.rows, rate))
        if n == 0:
            continue
        spec = ENTITIES[entity]
        file = out.files[-1]
        build = getattr(maker, f"{entity}_record")
        picks = rng.integers(0, len(reasons), n)
        lines, records = [], []
        for pick in picks:
            reason = reasons[int(pick)]
            record = build(reason)
            counts[entity][reason] += 1
            if spec.file_format == "csv":
                row = [_csv_value(record[c]) for c in spec.columns]
                lines.append(row)
                text = json.dumps(dict(zip(spec.columns, row, strict=True)), ensure_ascii=False)
            else:
                text = (
                    "{"
                    + ",".join(f"{json.dumps(c)}:{_json_value(record[c])}" for c in spec.columns)
                    + "}"
                )
                lines.append(text)
            records.append((reason, text))
        if spec.file_format == "csv":
            body = csv_text(spec.columns, lines, header=False)
        else:
            body = "\n".join(lines) + "\n"
        writer.append_lines(batch, entity, file, body, n)
        head = {"batch": batch.batch_id, "entity": entity, "file": file, "kind": "anomaly"}
        prefix = json.dumps(head, ensure_ascii=False)[:-1]
        entries.extend(
            f'{prefix}, "reason": {json.dumps(reason)}, "record": {text}}}'
            for reason, text in records
        )
    writer.log_changes(entries)
    return counts
