"""`generate --batches N --inject-anomalies RATE` and `land`, checked from the files.

The files are replayed batch by batch with a validator written from docs/LANDING.md alone
(not from the generator's code); the generator's own record (`_manifest.json`,
`_changes.jsonl`) must agree with what that replay derives.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse_bi.datagen.command import generate
from lakehouse_bi.datagen.config import OptionError, resolve_config
from lakehouse_bi.datagen.land import land

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"
ROWS = 4000  # small: 400 customers, 40 products, ~44 orders and ~220 web events a day
BATCHES = 8
SEED = 7
ANOMALY_RATE = 0.03
RATES = {
    "update_rate": 0.5,
    "correction_rate": 0.05,
    "delete_rate": 0.03,
    "late_rate": 0.15,
    "too_late_rate": 0.10,
    "duplicate_rate": 0.05,
    "redeliver_rate": 1.0,
    "dim_change_rate": 0.05,
    "dim_delete_rate": 0.01,
}
END = dt.date(2025, 12, 31)  # passed explicitly: the default window ends today
ENTITIES = ("customers", "products", "orders", "order_lines", "web_events")
KEYS = {
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
    "order_lines": "order_line_id",
    "web_events": "event_id",
}
VOCABULARY = {
    "customers": {"null_key", "unknown_country", "invalid_email"},
    "products": {"null_key", "negative_price", "bad_type"},
    "orders": {"null_key", "bad_type", "unknown_country", "orphan_customer", "future_date"},
    "order_lines": {"null_key", "bad_type", "negative_price", "orphan_order", "orphan_product"},
    "web_events": {"null_key", "bad_type", "orphan_product"},
}
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
NEXT_STATUS = {"placed": {"shipped", "cancelled"}, "shipped": {"delivered", "returned"}}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RECENT_DAYS = 14  # docs/LANDING.md: corrections and deletes touch the last 14 days' orders
SEGMENTS = {"consumer", "small_business", "corporate"}
STATUSES = {"placed", "shipped", "delivered", "cancelled", "returned"}
EVENT_TYPES = {"page_view", "product_view", "add_to_cart", "checkout", "purchase", "search"}
DIM_FIELDS = {
    "customers": ("email", "phone", "segment", "country_code"),
    "products": ("list_price", "is_active", "category", "product_name"),
}


# --------------------------------------------------------------------------- helpers


def run(command, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args))
    error = str(result.exception or "") if result.exit_code else ""
    return result.exit_code, result.output + error


def rate_args(rates: dict[str, float]) -> list[str]:
    return [a for k, v in rates.items() for a in ("--" + k.replace("_", "-"), str(v))]


ARGS = [
    "--rows",
    str(ROWS),
    "--batches",
    str(BATCHES),
    "--seed",
    str(SEED),
    "--inject-anomalies",
    str(ANOMALY_RATE),
    *rate_args(RATES),
    "--end-date",
    END.isoformat(),
    "--quiet",
]


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


COUNTRIES = {r["country_code"]: r["currency_code"] for r in seed_rows("countries.csv")}
CHANNELS = {r["channel_code"] for r in seed_rows("channels.csv")}


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@dataclass(frozen=True)
class Rec:
    file: str
    line: str  # the raw line as written
    data: dict  # parsed: JSON values, or CSV field texts


def read_records(root: Path, rel: str) -> list[Rec]:
    text = (root / rel).read_text(encoding="utf-8")
    lines = text.splitlines()
    if rel.endswith(".csv"):
        header = next(csv.reader([lines[0]]))
        return [
            Rec(rel, line, dict(zip(header, next(csv.reader([line])), strict=True)))
            for line in lines[1:]
        ]
    return [Rec(rel, line, json.loads(line)) for line in lines]


@dataclass
class Generated:
    root: Path
    manifest: dict
    changes: list[dict]
    own: dict[tuple[str, str], list[Rec]]  # (batch, entity) -> records of its own files
    batch_ids: list[str]

    def batch(self, batch_id: str) -> dict:
        return next(b for b in self.manifest["batches"] if b["batch_id"] == batch_id)

    @property
    def cdc(self) -> list[dict]:
        return [b for b in self.manifest["batches"] if b["kind"] == "cdc"]


def load(root: Path) -> Generated:
    manifest = json.loads((root / "_manifest.json").read_text())
    changes = [json.loads(x) for x in (root / "_changes.jsonl").read_text().splitlines()]
    own = {}
    for entry in manifest["batches"]:
        for entity, out in entry["entities"].items():
            own[entry["batch_id"], entity] = [
                r for f in out["files"] for r in read_records(root, f)
            ]
    return Generated(root, manifest, changes, own, [b["batch_id"] for b in manifest["batches"]])


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> Generated:
    root = tmp_path_factory.mktemp("batches") / "out"
    code, output = run(generate, *ARGS, "--output", str(root))
    assert code == 0, output
    return load(root)


# --------------------------------------------------------------------------- the validator
# Written from docs/LANDING.md ("Data quality"): which reasons make a record invalid.


def _null(value) -> bool:
    return value is None or value == ""


def _is_int(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    try:
        return Decimal(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else None
    except (InvalidOperation, TypeError):
        return None


def _is_ts(value) -> bool:
    if not isinstance(value, str) or not TIMESTAMP.match(value):
        return False
    try:
        ts(value)
    except ValueError:
        return False
    return True


def _is_date(value) -> bool:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


INT_FIELDS = {
    "customers": ("customer_id",),
    "products": ("product_id",),
    "orders": ("order_id", "customer_id"),
    "order_lines": ("order_line_id", "order_id", "line_number", "product_id", "quantity"),
    "web_events": ("event_id", "session_id", "customer_id", "product_id"),
}
DECIMAL_FIELDS = {
    "products": ("list_price", "unit_cost"),
    "order_lines": ("unit_price", "discount_amount"),
}
TS_FIELDS = {
    "customers": ("updated_at",),
    "products": ("updated_at",),
    "orders": ("order_ts", "updated_at"),
    "order_lines": ("updated_at",),
    "web_events": ("event_ts",),
}


class Validator:
    """Reasons a record is invalid; valid keys are remembered for the orphan checks."""

    def __init__(self) -> None:
        self.valid: dict[str, set[int]] = {e: set() for e in ENTITIES}

    def reasons(self, entity: str, r: dict, last_day: dt.date) -> set[str]:
        out = set()
        if _null(r[KEYS[entity]]):
            out.add("null_key")
        bad = [f for f in INT_FIELDS[entity] if not _null(r[f]) and not _is_int(r[f])]
        bad += [f for f in DECIMAL_FIELDS.get(entity, ()) if _decimal(r[f]) is None]
        bad += [f for f in TS_FIELDS[entity] if not _is_ts(r[f])]
        if entity == "customers" and not _is_date(r["signup_date"]):
            bad.append("signup_date")
        if entity == "products" and r["is_active"] not in ("true", "false"):
            bad.append("is_active")
        if bad:
            out.add("bad_type")
        if entity in ("customers", "orders") and r["country_code"] not in COUNTRIES:
            out.add("unknown_country")
        if entity == "customers" and not EMAIL.match(r["email"] or ""):
            out.add("invalid_email")
        price = {"products": "list_price", "order_lines": "unit_price"}.get(entity)
        if price and (_decimal(r[price]) or 0) < 0:
            out.add("negative_price")
        if entity == "orders":
            if _is_int(r["customer_id"]) and int(r["customer_id"]) not in self.valid["customers"]:
                out.add("orphan_customer")
            limit = dt.datetime.combine(last_day, dt.time(23, 59, 59)) + dt.timedelta(days=1)
            if _is_ts(r["order_ts"]) and ts(r["order_ts"]) > limit:
                out.add("future_date")
        orders = self.valid["orders"]
        if entity == "order_lines" and _is_int(r["order_id"]) and int(r["order_id"]) not in orders:
            out.add("orphan_order")
        products = self.valid["products"]
        has_product = entity in ("order_lines", "web_events") and _is_int(r["product_id"])
        if has_product and int(r["product_id"]) not in products:
            out.add("orphan_product")
        return out

    def admit(self, entity: str, r: dict) -> None:
        self.valid[entity].add(int(r[KEYS[entity]]))


def other_field_problems(entity: str, r: dict) -> list[str]:
    """Contract rules outside the vocabulary: an injected record must break none of them."""
    problems = []
    has_op = entity in ("customers", "products", "orders", "order_lines")
    if has_op and r["op"] not in ("insert", "update", "delete"):
        problems.append("op")
    if entity == "customers":
        if r["segment"] not in SEGMENTS:
            problems.append("segment")
        typed = _is_date(r["signup_date"]) and _is_ts(r["updated_at"])
        if typed and r["signup_date"] > r["updated_at"][:10]:
            problems.append("signup after updated_at")
    if entity == "products" and (_decimal(r["unit_cost"]) or 0) <= 0:
        problems.append("unit_cost")
    if entity == "orders":
        if r["status"] not in STATUSES or r["channel"] not in CHANNELS:
            problems.append("status/channel")
        if r["country_code"] in COUNTRIES and COUNTRIES[r["country_code"]] != r["currency"]:
            problems.append("currency")
        if r["currency"] not in set(COUNTRIES.values()):
            problems.append("currency domain")
    if entity == "order_lines":
        quantity, unit = r["quantity"], _decimal(r["unit_price"])
        discount = _decimal(r["discount_amount"])
        if _is_int(quantity) and int(quantity) < 1:
            problems.append("quantity")
        if discount is None or discount < 0:
            problems.append("discount")
        elif _is_int(quantity) and unit is not None and 0 < unit <= discount / int(quantity):
            problems.append("discount >= gross")
        if not _is_int(r["line_number"]) or int(r["line_number"]) < 1:
            problems.append("line_number")
    if entity == "web_events":
        about_product = r["event_type"] in {"product_view", "add_to_cart"}
        if r["event_type"] not in EVENT_TYPES or r["channel"] not in CHANNELS - {"call_center"}:
            problems.append("event_type/channel")
        if (r["product_id"] is not None) != about_product:
            problems.append("product_id presence")
        if r["event_type"] == "product_view" and r["page_url"] != f"/p/{r['product_id']}":
            problems.append("page_url")
    return problems


def last_day(gen: Generated, entry: dict) -> dt.date:
    if entry["kind"] == "initial":
        return dt.date.fromisoformat(gen.manifest["end_date"])
    return dt.date.fromisoformat(entry["batch_date"])


def validate_all(gen: Generated) -> tuple[dict[tuple[str, str], set[str]], Validator]:
    """(file, canonical record) -> reasons, for every record of every batch's own files."""
    validator = Validator()
    found: dict[tuple[str, str], set[str]] = {}
    for entry in gen.manifest["batches"]:
        for entity in ENTITIES:
            for rec in gen.own[entry["batch_id"], entity]:
                reasons = validator.reasons(entity, rec.data, last_day(gen, entry))
                found[rec.file, json.dumps(rec.data, sort_keys=True)] = reasons
                if not reasons:
                    validator.admit(entity, rec.data)
    return found, validator


def valid_records(
    gen: Generated, found: dict[tuple[str, str], set[str]] | None = None
) -> dict[tuple[str, str], list[Rec]]:
    found = found if found is not None else validate_all(gen)[0]
    return {
        key: [r for r in recs if not found[r.file, json.dumps(r.data, sort_keys=True)]]
        for key, recs in gen.own.items()
    }


@pytest.fixture(scope="module")
def found(gen: Generated) -> dict[tuple[str, str], set[str]]:
    """(file, record) -> reasons it is invalid, for every record of the generated batches."""
    return validate_all(gen)[0]


@pytest.fixture(scope="module")
def valid(gen: Generated, found) -> dict[tuple[str, str], list[Rec]]:
    return valid_records(gen, found)


# --------------------------------------------------------------------------- the replay


@dataclass
class Versions:
    """Versions per key, oldest first: (updated_at, record)."""

    by_key: dict[int, list[tuple[str, dict]]] = field(default_factory=lambda: defaultdict(list))
    deleted: dict[int, str] = field(default_factory=dict)  # key -> batch id of its delete

    def add(self, key: int, record: dict, batch: str) -> None:
        self.by_key[key].append((record["updated_at"], record))
        if record["op"] == "delete":
            self.deleted[key] = batch

    def at(self, key: int, when: str) -> dict:
        """The version valid at `when` (the first one also covers earlier times)."""
        versions = self.by_key[key]
        current = versions[0][1]
        for valid_from, record in versions:
            if ts(valid_from) <= ts(when):
                current = record
        return current

    def latest(self, key: int) -> dict:
        return self.by_key[key][-1][1]

    def live(self, key: int) -> bool:
        return key in self.by_key and key not in self.deleted


def day_of(entry: dict) -> dt.date:
    return dt.date.fromisoformat(entry["batch_date"])


@dataclass
class Derived:
    """What the replay derives per CDC batch, to compare with the manifest."""

    changes: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    ids: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    eligible: dict[str, dict[str, int]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def replay(gen: Generated, valid) -> Derived:
    """Replays the valid records batch by batch, asserting the CDC rules on the way."""
    customers, products, orders, lines = Versions(), Versions(), Versions(), Versions()
    lines_of: dict[int, set[int]] = defaultdict(set)
    derived = Derived()
    first = gen.batch_ids[0]
    for rec in valid[first, "customers"]:
        customers.add(int(rec.data["customer_id"]), rec.data, first)
    for rec in valid[first, "products"]:
        products.add(int(rec.data["product_id"]), rec.data, first)
    for rec in valid[first, "orders"]:
        orders.add(rec.data["order_id"], rec.data, first)
    for rec in valid[first, "order_lines"]:
        lines.add(rec.data["order_line_id"], rec.data, first)
        lines_of[rec.data["order_id"]].add(rec.data["order_line_id"])

    for entry in gen.cdc:
        bid, day = entry["batch_id"], day_of(entry)
        day_start = dt.datetime.combine(day, dt.time())
        day_end = dt.datetime.combine(day, dt.time(23, 59, 59))
        v = {e: valid[bid, e] for e in ENTITIES}

        # Dimensions: at most one change per record, inside the day, later than before.
        counts: dict[str, dict[str, int]] = {}
        ids: dict[str, list[int]] = {}
        live_before = {
            "customers": sum(customers.live(k) for k in customers.by_key),
            "products": sum(products.live(k) for k in products.by_key),
        }
        for entity, versions in (("customers", customers), ("products", products)):
            keys = [int(r.data[KEYS[entity]]) for r in v[entity]]
            assert len(keys) == len(set(keys)), f"{bid} {entity}: two changes of one record"
            for rec in v[entity]:
                key, record = int(rec.data[KEYS[entity]]), rec.data
                assert versions.live(key), f"{bid}: {entity} {key} changed after its delete"
                before = versions.latest(key)
                assert day_start <= ts(record["updated_at"]) <= day_end
                assert ts(record["updated_at"]) > ts(before["updated_at"])
                differs = {
                    f for f in record if f not in ("updated_at", "op") and record[f] != before[f]
                }
                if record["op"] == "delete":
                    assert not differs, f"a delete carries the last known values: {differs}"
                else:
                    assert record["op"] == "update"
                    assert differs & set(DIM_FIELDS[entity]), differs
                versions.add(key, record, bid)
            ops = Counter(r.data["op"] for r in v[entity])
            counts[entity] = {"update": ops["update"], "delete": ops["delete"]}
            ids[f"changed_{entity}"] = sorted(
                int(r.data[KEYS[entity]]) for r in v[entity] if r.data["op"] == "update"
            )
            ids[f"deleted_{entity}"] = sorted(
                int(r.data[KEYS[entity]]) for r in v[entity] if r.data["op"] == "delete"
            )

        def customer_live(cid: int) -> bool:
            return customers.live(cid)  # after this batch's deletes: live at the batch end

        def product_live(pid: int) -> bool:
            return products.live(pid)

        # Eligibility at the batch start (docs/LANDING.md, manifest `eligible`).
        order_updates = {r.data["order_id"] for r in v["orders"] if r.data["op"] == "update"}
        order_deletes = {r.data["order_id"] for r in v["orders"] if r.data["op"] == "delete"}
        recent_from = day_start - dt.timedelta(days=RECENT_DAYS)
        live_orders = [o for o in orders.by_key if orders.live(o)]
        eligible_status = eligible_delete = eligible_correction = 0
        for oid in live_orders:
            order = orders.latest(oid)
            if not customer_live(order["customer_id"]):
                continue
            if order["status"] in ("placed", "shipped"):
                eligible_status += 1
            if ts(order["order_ts"]) < recent_from:
                continue
            its_lines = [lines.latest(i) for i in lines_of[oid]]
            if all(product_live(x["product_id"]) for x in its_lines) and oid not in order_updates:
                eligible_delete += 1
            if oid not in order_deletes:
                eligible_correction += sum(product_live(x["product_id"]) for x in its_lines)
        derived.eligible[bid] = {
            **live_before,
            "status_update": eligible_status,
            "delete": eligible_delete,
            "correction": eligible_correction,
        }

        # Orders.
        kinds = Counter()
        order_ids: dict[str, list[int]] = defaultdict(list)
        seen_lines = Counter(r.line for r in v["orders"])
        kinds["duplicate_records"] = sum(n - 1 for n in seen_lines.values())
        distinct_orders = list({r.line: r for r in v["orders"]}.values())
        assert len({r.data["order_id"] for r in distinct_orders}) == len(distinct_orders)
        for rec in distinct_orders:
            o = rec.data
            oid = o["order_id"]
            if o["op"] == "insert":
                assert oid not in orders.by_key, f"{bid}: order {oid} inserted twice"
                assert o["updated_at"] == o["order_ts"] and o["status"] == "placed"
                age = (day - ts(o["order_ts"]).date()).days
                kind = {0: "new", 1: "late", 2: "late"}.get(age)
                kind = kind or ("too_late" if 5 <= age <= 10 else None)
                assert kind, f"{bid}: new order {oid} is {age} days old"
                kinds[kind] += 1
                if kind != "new":
                    order_ids[f"{kind}_orders"].append(oid)
                cid = o["customer_id"]
                assert customer_live(cid), f"{bid}: new order {oid} of a deleted customer"
                first_version = customers.by_key[cid][0][1]
                assert ts(first_version["updated_at"]) < ts(o["order_ts"]), "before signup"
                country = customers.at(cid, o["order_ts"])["country_code"]
                assert o["country_code"] == country, f"order {oid}: not the country at order time"
                assert o["currency"] == COUNTRIES[country]
            else:
                assert orders.live(oid), f"{bid}: change of a missing/deleted order {oid}"
                before = orders.latest(oid)
                assert customer_live(o["customer_id"])
                assert day_start <= ts(o["updated_at"]) <= day_end
                assert ts(o["updated_at"]) > ts(before["updated_at"])
                same = ("customer_id", "order_ts", "channel", "country_code", "currency")
                assert all(o[f] == before[f] for f in same)
                if o["op"] == "update":
                    assert o["status"] in NEXT_STATUS[before["status"]], (before, o)
                    kinds["status_update"] += 1
                    order_ids["status_updated_orders"].append(oid)
                else:
                    assert o["status"] == before["status"]
                    kinds["delete"] += 1
                    order_ids["deleted_orders"].append(oid)
            orders.add(oid, o, bid)
        kinds["redelivered_files"] = len(entry["redelivered"])

        # Order lines.
        line_kinds = Counter()
        seen = Counter(r.line for r in v["order_lines"])
        line_kinds["duplicate_records"] = sum(n - 1 for n in seen.values())
        distinct_lines = list({r.line: r for r in v["order_lines"]}.values())
        assert len({r.data["order_line_id"] for r in distinct_lines}) == len(distinct_lines)
        for rec in distinct_lines:
            x = rec.data
            lid, oid = x["order_line_id"], x["order_id"]
            assert orders.by_key.get(oid), f"{bid}: line {lid} of an unknown order"
            order = orders.latest(oid)
            gross = x["quantity"] * Decimal(str(x["unit_price"]))
            assert 0 <= Decimal(str(x["discount_amount"])) < gross
            if x["op"] == "insert":
                assert lid not in lines.by_key and order["op"] == "insert"
                assert x["updated_at"] == order["order_ts"]
                age = (day - ts(order["order_ts"]).date()).days
                line_kinds["new" if age == 0 else "late" if age <= 2 else "too_late"] += 1
                pid = x["product_id"]
                assert product_live(pid), f"{bid}: new line {lid} of a deleted product"
                version = products.at(pid, order["order_ts"])
                assert version["is_active"] == "true", f"line {lid}: inactive product {pid}"
                assert Decimal(version["list_price"]) == Decimal(str(x["unit_price"]))
                lines_of[oid].add(lid)
            else:
                assert lines.live(lid), f"{bid}: change of a missing/deleted line {lid}"
                before = lines.latest(lid)
                assert product_live(x["product_id"])
                assert ts(x["updated_at"]) > ts(before["updated_at"])
                assert day_start <= ts(x["updated_at"]) <= day_end
                fixed = ("order_id", "line_number", "product_id", "unit_price")
                assert all(x[f] == before[f] for f in fixed)
                if x["op"] == "update":
                    corrected = {f for f in ("quantity", "discount_amount") if x[f] != before[f]}
                    assert corrected, f"line {lid}: a correction that corrects nothing"
                    assert order["op"] != "delete"
                    line_kinds["correction"] += 1
                    order_ids["corrected_lines"].append(lid)
                else:
                    assert all(x[f] == before[f] for f in ("quantity", "discount_amount"))
                    assert order["op"] == "delete" and x["updated_at"] == order["updated_at"]
                    line_kinds["delete"] += 1
                    order_ids["deleted_order_lines"].append(lid)
            lines.add(lid, x, bid)
        # A deleted order comes with a delete of every one of its lines, in the same batch.
        for oid in order_ids["deleted_orders"]:
            for lid in lines_of[oid]:
                assert lines.latest(lid)["op"] == "delete", f"line {lid} of deleted order {oid}"
                assert lines.deleted[lid] == bid

        # Web events.
        seen = Counter(r.line for r in v["web_events"])
        events = {"new": len(seen), "duplicate_records": sum(n - 1 for n in seen.values())}
        for rec in v["web_events"]:
            e = rec.data
            assert day_start <= ts(e["event_ts"]) <= day_end
            if e["customer_id"] is not None:
                assert customer_live(e["customer_id"]), f"{bid}: event of a deleted customer"
            if e["product_id"] is not None:
                assert product_live(e["product_id"]), f"{bid}: event of a deleted product"

        derived.changes[bid] = {
            **counts,
            "orders": {k: kinds[k] for k in ORDER_KINDS},
            "order_lines": {k: line_kinds[k] for k in ORDER_KINDS},
            "web_events": events,
        }
        derived.ids[bid] = {**ids, **{k: sorted(x) for k, x in order_ids.items()}}
    return derived


# --------------------------------------------------------------------------- determinism


def test_same_seed_and_args_give_identical_bytes_in_another_process(gen: Generated, tmp_path):
    out = tmp_path / "again"
    command = [sys.executable, "-m", "lakehouse_bi.datagen.command", *ARGS, "--output", str(out)]
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run(command, env=env, check=True, cwd=tmp_path)
    assert digests(out) == digests(gen.root)


def test_batches_are_additive(gen: Generated, tmp_path):
    """The initial load does not change with batches; batch k does not depend on N."""
    fewer = tmp_path / "fewer"
    args = [a if a != str(BATCHES) else "3" for a in ARGS]
    assert run(generate, *args, "--output", str(fewer))[0] == 0
    ours = digests(gen.root)
    for name, digest in digests(fewer).items():
        if name in ("_manifest.json", "_changes.jsonl"):
            continue
        assert ours[name] == digest, name
    log = (gen.root / "_changes.jsonl").read_bytes()
    assert log.startswith((fewer / "_changes.jsonl").read_bytes())

    # Without anomalies, b0000 is byte-identical with and without batches.
    plain = tmp_path / "plain"
    args = ["--rows", str(ROWS), "--seed", str(SEED), "--end-date", END.isoformat()]
    assert run(generate, *args, "--output", str(plain))[0] == 0
    no_anomalies = tmp_path / "no_anomalies"
    args = [
        *ARGS[: ARGS.index("--inject-anomalies")],
        *ARGS[ARGS.index("--inject-anomalies") + 2 :],
    ]
    assert run(generate, *args, "--output", str(no_anomalies))[0] == 0
    with_batches = digests(no_anomalies)
    for name, digest in digests(plain).items():
        if "b0000" in name:
            assert with_batches[name] == digest, name


# --------------------------------------------------------------------------- layout


def test_batches_follow_the_window_day_by_day(gen: Generated):
    ids = gen.batch_ids
    assert ids[0] == "b0000_20251003" and len(ids) == BATCHES + 1
    for k, entry in enumerate(gen.cdc, 1):
        day = END + dt.timedelta(days=k)
        assert entry["batch_id"] == f"b{k:04d}_{day:%Y%m%d}"
        assert entry["batch_date"] == day.isoformat() and entry["kind"] == "cdc"
        for entity in ENTITIES:
            (file,) = entry["entities"][entity]["files"]
            ext = "csv" if entity in ("customers", "products") else "jsonl"
            assert file == f"{entity}/batch={entry['batch_id']}/{entity}_{entry['batch_id']}.{ext}"
    on_disk = {str(p.relative_to(gen.root)) for p in gen.root.rglob("*") if p.is_file()} - {
        "_manifest.json",
        "_changes.jsonl",
    }
    listed = {
        f
        for b in gen.manifest["batches"]
        for f in [
            *(x for o in b["entities"].values() for x in o["files"]),
            *(r["file"] for r in b.get("redelivered", [])),
        ]
    }
    assert on_disk == listed


def test_manifest_settings_and_row_counts(gen: Generated):
    settings = gen.manifest["settings"]
    assert settings == {"batches": BATCHES, **RATES, "inject_anomalies": ANOMALY_RATE}
    assert gen.manifest["changes_file"] == "_changes.jsonl"
    for entry in gen.manifest["batches"]:
        for entity in ENTITIES:
            assert entry["entities"][entity]["rows"] == len(gen.own[entry["batch_id"], entity])
        if entry["kind"] != "cdc":
            continue
        c = entry["changes"]
        anomalies = {e: sum(n.values()) for e, n in entry["anomalies"].items()}
        rows = {e: entry["entities"][e]["rows"] for e in ENTITIES}
        o, li = c["orders"], c["order_lines"]
        assert rows["orders"] == sum(o[k] for k in ORDER_KINDS[:-1]) + anomalies["orders"]
        assert (
            rows["order_lines"] == sum(li[k] for k in ORDER_KINDS[:-1]) + anomalies["order_lines"]
        )
        assert rows["web_events"] == sum(c["web_events"].values()) + anomalies["web_events"]
        for dim in ("customers", "products"):
            assert rows[dim] == c[dim]["update"] + c[dim]["delete"] + anomalies[dim]


# --------------------------------------------------------------------------- manifest == files


def test_manifest_changes_match_the_files(gen: Generated, replay: Derived):
    for entry in gen.cdc:
        assert entry["changes"] == replay.changes[entry["batch_id"]], entry["batch_id"]


def test_manifest_ids_match_the_files(gen: Generated, replay: Derived):
    for entry in gen.cdc:
        derived = replay.ids[entry["batch_id"]]
        for key, value in entry["ids"].items():
            assert value == derived.get(key, []), (entry["batch_id"], key)


def test_manifest_eligible_counts_match_the_files(gen: Generated, replay: Derived):
    for entry in gen.cdc:
        assert entry["eligible"] == replay.eligible[entry["batch_id"]], entry["batch_id"]


def test_status_transitions_and_corrections_are_counted(gen: Generated):
    for entry in gen.cdc:
        assert (
            sum(entry["status_transitions"].values()) == entry["changes"]["orders"]["status_update"]
        )
        assert set(entry["status_transitions"]) <= {
            "placed->shipped",
            "placed->cancelled",
            "shipped->delivered",
            "shipped->returned",
        }
        corrections = entry["corrections"]
        assert (
            corrections["quantity"] + corrections["discount"]
            == entry["changes"]["order_lines"]["correction"]
        )


# --------------------------------------------------------------------------- rates


def _near(observed: int, trials: int, rate: float, what: str) -> None:
    expected = trials * rate
    tolerance = 4.5 * math.sqrt(max(trials * rate * (1 - rate), 1e-9)) + 3
    assert abs(observed - expected) <= tolerance, f"{what}: {observed} vs {expected:.1f}"


def test_each_kind_appears_at_its_rate(gen: Generated):
    total = Counter()
    for entry in gen.cdc:
        c, e = entry["changes"], entry["eligible"]
        for key in ("status_update", "delete", "correction"):
            total[f"eligible_{key}"] += e[key]
        total["status_update"] += c["orders"]["status_update"]
        total["delete"] += c["orders"]["delete"]
        total["correction"] += c["order_lines"]["correction"]
        for kind in ("new", "late", "too_late"):
            total[kind] += c["orders"][kind]
        total["records"] += sum(
            c["orders"][k] for k in ("new", "late", "too_late", "status_update", "delete")
        )
        total["duplicates"] += c["orders"]["duplicate_records"]
        for dim in ("customers", "products"):
            total[f"{dim}_eligible"] += e[dim]
            total[f"{dim}_delete"] += c[dim]["delete"]
            total[f"{dim}_update"] += c[dim]["update"]
    assert min(total[k] for k in ("status_update", "delete", "correction", "late", "too_late")) > 0
    _near(total["status_update"], total["eligible_status_update"], RATES["update_rate"], "updates")
    _near(total["delete"], total["eligible_delete"], RATES["delete_rate"], "deletes")
    _near(
        total["correction"], total["eligible_correction"], RATES["correction_rate"], "corrections"
    )
    new_orders = total["new"] + total["late"] + total["too_late"]
    _near(total["late"], new_orders, RATES["late_rate"], "late")
    _near(total["too_late"], new_orders, RATES["too_late_rate"], "too late")
    _near(total["duplicates"], total["records"], RATES["duplicate_rate"], "duplicates")
    for dim in ("customers", "products"):
        eligible = total[f"{dim}_eligible"]
        _near(total[f"{dim}_delete"], eligible, RATES["dim_delete_rate"], f"{dim} deletes")
        _near(total[f"{dim}_update"], eligible, RATES["dim_change_rate"], f"{dim} changes")
    # Redelivery from b0002 on, one orders file per batch at rate 1.0; never in b0001.
    assert [len(b["redelivered"]) for b in gen.cdc] == [0] + [1] * (BATCHES - 1)


def test_daily_volume_follows_the_initial_load_and_weekdays(gen: Generated):
    initial = gen.batch(gen.batch_ids[0])
    days = 90
    mean_orders = (ROWS) / days
    weekday = [0.92, 0.95, 0.97, 1.00, 1.05, 1.30, 1.22]  # docs: weekends are busier
    expected = observed = 0.0
    for entry in gen.cdc:
        factor = weekday[day_of(entry).weekday()] / (sum(weekday) / 7)
        expected += mean_orders * factor
        observed += sum(entry["changes"]["orders"][k] for k in ("new", "late", "too_late"))
    assert abs(observed - expected) <= 4.5 * math.sqrt(expected), (observed, expected)
    events = sum(b["changes"]["web_events"]["new"] for b in gen.cdc)
    mean_events = initial["entities"]["web_events"]["rows"] / days
    assert 0.8 < events / (mean_events * BATCHES) < 1.2


def test_defaults_are_sensible_and_validated(tmp_path: Path):
    out = tmp_path / "defaults"
    code, output = run(
        generate, "--rows", "2000", "--batches", "2", "--output", str(out), "--quiet"
    )
    assert code == 0, output
    manifest = json.loads((out / "_manifest.json").read_text())
    assert (
        manifest["settings"]["too_late_rate"] == 0 and manifest["settings"]["inject_anomalies"] == 0
    )
    for entry in manifest["batches"][1:]:
        assert entry["changes"]["orders"]["too_late"] == 0
        assert entry["changes"]["orders"]["new"] > 0
        assert entry["changes"]["orders"]["status_update"] > 0
        assert all(n == 0 for counts in entry["anomalies"].values() for n in counts.values())
    assert (out / "_changes.jsonl").read_text().count('"kind": "anomaly"') == 0


@pytest.mark.parametrize(
    ("args", "option", "hint"),
    [
        (["--update-rate", "1.5"], "--update-rate", "1.5"),
        (["--delete-rate", "-0.1"], "--delete-rate", "-0.1"),
        (["--inject-anomalies", "2"], "--inject-anomalies", "2"),
        (["--batches", "-1"], "--batches", "-1"),
        (["--late-rate", "0.7", "--too-late-rate", "0.6"], "--too-late-rate", "exceeds 1"),
        (["--duplicate-rate", "abc"], "--duplicate-rate", "abc"),
    ],
)
def test_bad_rates_give_clear_errors(tmp_path: Path, args, option, hint):
    code, output = run(
        generate, "--rows", "100", "--batches", "1", *args, "--output", str(tmp_path / "o")
    )
    assert code == 2
    assert option in output and hint in output, output
    assert not (tmp_path / "o").exists()


def test_resolve_config_validates_rates():
    with pytest.raises(OptionError) as err:
        resolve_config("small", rates={"update_rate": float("nan")})
    assert err.value.option == "--update-rate"
    with pytest.raises(OptionError) as err:
        resolve_config("small", rates={"bogus_rate": 0.1})
    with pytest.raises(OptionError) as err:
        resolve_config("small", batches=-2)
    assert err.value.option == "--batches"
    config = resolve_config("small", batches=2, rates={"late_rate": 0.2})
    assert config.rates.late_rate == 0.2 and config.rates.update_rate == 0.5


# --------------------------------------------------------------------------- specific kinds


def test_late_records_are_one_to_two_days_old_and_too_late_five_to_ten(gen: Generated, valid):
    for entry in gen.cdc:
        bid, day = entry["batch_id"], day_of(entry)
        orders = {r.data["order_id"]: r.data for r in valid[bid, "orders"]}
        for key, (lo, hi) in (("late_orders", (1, 2)), ("too_late_orders", (5, 10))):
            for oid in entry["ids"][key]:
                order = orders[oid]
                age = (day - ts(order["order_ts"]).date()).days
                assert lo <= age <= hi, (key, oid, age)
                assert order["updated_at"] == order["order_ts"] and order["op"] == "insert"
                its_lines = [r.data for r in valid[bid, "order_lines"] if r.data["order_id"] == oid]
                assert its_lines and all(x["updated_at"] == order["order_ts"] for x in its_lines)
    late = sum(len(b["ids"]["late_orders"]) for b in gen.cdc)
    too_late = sum(len(b["ids"]["too_late_orders"]) for b in gen.cdc)
    assert late > 10 and too_late > 5


def test_duplicates_are_identical_adjacent_lines(gen: Generated):
    found = 0
    for entry in gen.cdc:
        for entity in ("orders", "order_lines", "web_events"):
            lines = [r.line for r in gen.own[entry["batch_id"], entity]]
            dupes = [line for line, n in Counter(lines).items() if n > 1]
            for line in dupes:
                at = lines.index(line)
                assert lines[at + 1] == line, "a duplicate follows its original"
                assert lines.count(line) == 2
            found += len(dupes)
            assert len(dupes) == entry["changes"][entity]["duplicate_records"]
    assert found > 0


def test_redelivered_file_is_a_byte_copy_under_its_original_name(gen: Generated):
    for entry in gen.cdc:
        for redelivery in entry["redelivered"]:
            original, copy = redelivery["original"], redelivery["file"]
            assert redelivery["entity"] == "orders"
            assert copy.rsplit("/", 1)[1] == original.rsplit("/", 1)[1]
            assert copy.startswith(f"orders/batch={entry['batch_id']}/")
            previous = gen.batch_ids[gen.batch_ids.index(entry["batch_id"]) - 1]
            assert original == gen.batch(previous)["entities"]["orders"]["files"][0]
            assert (gen.root / copy).read_bytes() == (gen.root / original).read_bytes()
            assert copy not in entry["entities"]["orders"]["files"]
    names = [p.name for p in gen.root.glob("orders/batch=*/*")]
    assert len(names) > len(set(names)), "some file name is delivered twice"


# --------------------------------------------------------------------------- dimension history


def test_change_log_versions_are_exactly_the_delivered_dimension_rows(gen: Generated, valid):
    logged = Counter(
        (c["batch"], c["entity"], c["file"], json.dumps(c["record"], sort_keys=True))
        for c in gen.changes
        if c["kind"] == "version"
    )
    delivered = Counter(
        (b["batch_id"], e, r.file, json.dumps(r.data, sort_keys=True))
        for b in gen.cdc
        for e in ("customers", "products")
        for r in valid[b["batch_id"], e]
    )
    assert logged == delivered
    assert sum(logged.values()) > 50
    for c in gen.changes:
        if c["kind"] != "version":
            continue
        key = KEYS[c["entity"]]
        assert (c["id"], c["op"], c["updated_at"]) == (
            int(c["record"][key]),
            c["record"]["op"],
            c["record"]["updated_at"],
        )
        assert (c["op"] == "delete") == (c["changed"] == [])


def test_changed_attributes_are_recorded_and_orders_follow_a_move(gen: Generated, valid):
    history: dict[int, dict] = {
        int(r.data["customer_id"]): r.data for r in valid[gen.batch_ids[0], "customers"]
    }
    moved = 0
    for c in gen.changes:
        if c["kind"] != "version" or c["entity"] != "customers":
            continue
        before, after = history[c["id"]], c["record"]
        differs = sorted(
            f for f in after if f not in ("updated_at", "op") and after[f] != before[f]
        )
        assert differs == sorted(c["changed"]), (c["id"], differs, c["changed"])
        moved += "country_code" in c["changed"]
        history[c["id"]] = after
    assert moved > 0  # the replay fixture checks every new order uses the country at order time


def test_new_orders_reference_live_records_valid_at_order_time(replay: Derived):
    """All assertions live in the `replay` fixture: reaching here means they held."""
    assert replay.changes


def test_ids_stay_dense_and_below_the_anomaly_range(gen: Generated, valid):
    for entity in ("orders", "order_lines", "web_events"):
        key = KEYS[entity]
        ids = sorted({r.data[key] for (_, e), recs in valid.items() if e == entity for r in recs})
        assert ids == list(range(1, len(ids) + 1)), entity


# --------------------------------------------------------------------------- anomalies


def test_exactly_the_recorded_records_are_invalid_each_for_its_reason(gen: Generated, found):
    recorded = Counter()
    for c in gen.changes:
        if c["kind"] == "anomaly":
            assert c["reason"] in VOCABULARY[c["entity"]]
            recorded[c["file"], json.dumps(c["record"], sort_keys=True), c["reason"]] += 1
    flagged = Counter()
    for (file, record), reasons in found.items():
        if reasons:
            assert len(reasons) == 1, f"{file}: {record} is invalid for {reasons}"
            flagged[file, record, next(iter(reasons))] += 1
    assert flagged == recorded
    assert sum(recorded.values()) > 100
    reasons = Counter(reason for (_, _, reason) in recorded.elements())
    assert set(reasons) == set().union(*VOCABULARY.values()), "every reason is exercised"


def test_injected_records_break_nothing_but_their_reason(gen: Generated):
    for (_batch, entity), recs in gen.own.items():
        for rec in recs:
            assert not other_field_problems(entity, rec.data), (rec.file, rec.data)


def test_anomaly_counts_rates_and_keys(gen: Generated):
    per_batch = Counter(
        (c["batch"], c["entity"], c["reason"]) for c in gen.changes if c["kind"] == "anomaly"
    )
    total = rows = 0
    for entry in gen.manifest["batches"]:
        for entity, counts in entry["anomalies"].items():
            assert set(counts) == VOCABULARY[entity]
            for reason, n in counts.items():
                assert per_batch[entry["batch_id"], entity, reason] == n
            injected = sum(counts.values())
            total += injected
            rows += entry["entities"][entity]["rows"] - injected
    _near(total, rows, ANOMALY_RATE, "anomalies")
    for c in gen.changes:
        if c["kind"] != "anomaly":
            continue
        key = c["record"][KEYS[c["entity"]]]
        if c["reason"] != "null_key":
            assert int(key) > 1_000_000_000
        assert c["file"] in gen.batch(c["batch"])["entities"][c["entity"]]["files"]
        if c["entity"] != "web_events":
            assert c["record"]["op"] == "insert"


def test_anomalies_leave_the_valid_data_untouched(gen: Generated, valid, tmp_path: Path):
    clean = tmp_path / "clean"
    args = [
        *ARGS[: ARGS.index("--inject-anomalies")],
        *ARGS[ARGS.index("--inject-anomalies") + 2 :],
    ]
    assert run(generate, *args, "--output", str(clean))[0] == 0
    for (batch, entity), recs in load(clean).own.items():
        assert [r.line for r in recs] == [r.line for r in valid[batch, entity]], (batch, entity)


# --------------------------------------------------------------------------- land


def land_cli(source: Path, target: Path, *args: str) -> tuple[int, str]:
    return run(land, "--from", str(source), "--to", str(target), *args)


def test_land_lands_in_order_and_refuses_twice(gen: Generated, tmp_path: Path):
    target = tmp_path / "landing"
    ids = gen.batch_ids
    code, output = land_cli(gen.root, target, "--next")
    assert code == 0 and ids[0] in output, output
    assert json.loads((target / "_manifest.json").read_text())["batches"] == [gen.batch(ids[0])]
    assert not (target / "orders" / f"batch={ids[1]}").exists()

    code, output = land_cli(gen.root, target, "--batch", ids[0])
    assert code == 2 and "already landed" in output and "--force" in output, output
    code, output = land_cli(gen.root, target, "--batch", ids[2])
    assert code == 2 and "in order" in output and ids[1] in output, output
    code, output = land_cli(gen.root, target, "--batch", "b9999_20990101")
    assert code == 2 and "not in" in output, output

    assert land_cli(gen.root, target, "--batch", ids[1])[0] == 0
    assert land_cli(gen.root, target, "--next")[0] == 0
    manifest = json.loads((target / "_manifest.json").read_text())
    assert [b["batch_id"] for b in manifest["batches"]] == ids[:3]
    log = [json.loads(x) for x in (target / "_changes.jsonl").read_text().splitlines()]
    assert {c["batch"] for c in log} == set(ids[:3])
    assert log == [c for c in gen.changes if c["batch"] in ids[:3]]
    for entity in ENTITIES:
        assert sorted(p.name for p in (target / entity).iterdir()) == [
            f"batch={b}" for b in ids[:3]
        ]

    code, output = land_cli(gen.root, target, "--all")
    assert code == 0 and f"{len(ids)}/{len(ids)}" in output, output
    assert digests(target) == digests(gen.root)
    code, output = land_cli(gen.root, target, "--all")
    assert code == 0 and "Nothing to land" in output
    code, output = land_cli(gen.root, target, "--next")
    assert code == 0 and "Nothing to land" in output
    assert digests(target) == digests(gen.root)

    code, output = land_cli(gen.root, target, "--batch", ids[2], "--force")
    assert code == 0, output
    assert digests(target) == digests(gen.root), "re-landing copies the same bytes"


def test_land_copies_redelivered_files_with_the_batch(gen: Generated, tmp_path: Path):
    target = tmp_path / "landing"
    for _ in range(3):
        assert land_cli(gen.root, target, "--next")[0] == 0
    redelivered = gen.cdc[1]["redelivered"][0]["file"]
    assert (target / redelivered).read_bytes() == (gen.root / redelivered).read_bytes()


def test_land_errors(gen: Generated, tmp_path: Path):
    code, output = land_cli(gen.root, tmp_path / "t")
    assert code == 2 and "exactly one of" in output
    code, output = land_cli(gen.root, tmp_path / "t", "--next", "--all")
    assert code == 2 and "exactly one of" in output
    code, output = land_cli(tmp_path / "missing", tmp_path / "t", "--next")
    assert code == 2 and "--from" in output, output
    empty = tmp_path / "empty"
    empty.mkdir()
    code, output = land_cli(empty, tmp_path / "t", "--next")
    assert code == 2 and "_manifest.json" in output, output
    code, output = land_cli(gen.root, gen.root, "--next")
    assert code == 2 and "same directory" in output

    stray = tmp_path / "stray"
    (stray / "orders" / "batch=b0000_20250101").mkdir(parents=True)
    code, output = land_cli(gen.root, stray, "--next")
    assert code == 2 and "not landed by" in output, output

    other = tmp_path / "other_run"
    assert (
        run(generate, "--rows", "300", "--batches", "1", "--output", str(other), "--quiet")[0] == 0
    )
    target = tmp_path / "mixed"
    assert land_cli(gen.root, target, "--next")[0] == 0
    code, output = land_cli(other, target, "--next")
    assert code == 2 and "another generator run" in output, output


def test_land_resumes_after_an_interrupted_copy(gen: Generated, tmp_path: Path):
    target = tmp_path / "landing"
    assert land_cli(gen.root, target, "--next")[0] == 0
    # A crash after copying some folders of b0001 but before the manifest was written.
    partial = target / "orders" / f"batch={gen.batch_ids[1]}"
    shutil.copytree(gen.root / "orders" / f"batch={gen.batch_ids[1]}", partial)
    (partial / "junk.tmp").write_text("half a file")
    code, output = land_cli(gen.root, target, "--next")
    assert code == 0 and gen.batch_ids[1] in output, output
    assert not (partial / "junk.tmp").exists()


def test_land_is_registered_on_the_main_cli():
    from lakehouse_bi.cli import main

    assert main.get_command(None, "land") is land


@pytest.mark.parametrize(
    "args",
    [
        ["--rows", "1", "--batches", "2", "--inject-anomalies", "0.5"],  # days without orders
        ["--rows", "300", "--batches", "2", "--dim-delete-rate", "1"],  # everything deleted
        ["--rows", "50", "--start-date", "2024-02-29", "--end-date", "2024-02-29", "--batches", "2",
         "--late-rate", "0", "--too-late-rate", "1"],  # too-late orders before the window
    ],
)  # fmt: skip
def test_extreme_settings_still_honour_the_contract(tmp_path: Path, args):
    out = tmp_path / "out"
    code, output = run(generate, *args, "--output", str(out), "--quiet")
    assert code == 0, output
    extreme = load(out)
    found, _ = validate_all(extreme)
    recorded = sum(1 for c in extreme.changes if c["kind"] == "anomaly")
    assert sum(1 for reasons in found.values() if reasons) == recorded
    for entry in extreme.cdc:
        for entity in ENTITIES:
            assert entry["entities"][entity]["rows"] == len(extreme.own[entry["batch_id"], entity])
