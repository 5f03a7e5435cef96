"""Gold figures computed straight from the landing files, in plain Python.

Written from docs/LANDING.md's business rules, independently of the dbt models' SQL, so a
model bug cannot hide behind a test that repeats it:
- a record's current version is its latest `updated_at`, ties to the later batch, then
  file, then line; a re-delivered file (a name delivered before) is not read;
- `op = delete` removes the record; cancelled orders carry no revenue;
- line revenue = quantity * unit_price - discount_amount (exact decimals);
- average order value (cents) and growth against the previous period (4 places) are exact
  quotients rounded half-up, away from zero on .5; growth after a zero is None;
- the product category of a line is the product version valid when the order was placed,
  versions being what each batch delivered last (the first version covers earlier orders).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path


def _records(landing: Path, entity: str):
    """(batch, path, line, row) of every record, in batch order; a re-delivered file (a name
    already delivered in an earlier batch folder) is skipped: files are identified by name."""
    delivered: set[str] = set()
    for path in sorted(landing.glob(f"{entity}/batch=*/*")):
        if path.name in delivered:
            continue
        delivered.add(path.name)
        batch = path.parent.name.removeprefix("batch=")
        if path.suffix == ".csv":
            with path.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
        else:
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for line, row in enumerate(rows, start=2 if path.suffix == ".csv" else 1):
            yield batch, str(path), line, row


def _current(landing: Path, entity: str, key: str) -> dict[int, dict]:
    """The live version of each record: latest change wins, deletes drop it."""
    latest: dict[int, tuple] = {}
    for batch, path, line, row in _records(landing, entity):
        rank = (row["updated_at"], batch, path, line)
        record_id = int(row[key])
        if record_id not in latest or rank > latest[record_id][0]:
            latest[record_id] = (rank, row)
    return {k: row for k, (_, row) in latest.items() if row.get("op", "insert") != "delete"}


def _product_versions(landing: Path) -> dict[int, list[tuple[str, str]]]:
    """Per product, (valid_from, category) of each version a batch delivered, oldest first."""
    per_batch: dict[tuple[int, str], tuple] = {}
    for batch, path, line, row in _records(landing, "products"):
        slot = (int(row["product_id"]), batch)
        rank = (row["updated_at"], path, line)
        if slot not in per_batch or rank > per_batch[slot][0]:
            per_batch[slot] = (rank, row)
    versions: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for (product_id, _), (_, row) in sorted(per_batch.items()):
        versions[product_id].append((row["updated_at"], row["category"].strip().lower()))
    return {k: sorted(v) for k, v in versions.items()}


def _category_at(versions: list[tuple[str, str]], ordered_at: str) -> str:
    category = versions[0][1]
    for valid_from, version_category in versions:
        if _ts(valid_from) <= _ts(ordered_at):
            category = version_category
    return category


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace(" ", "T"))


@dataclass(frozen=True)
class SaleLine:
    order_id: int
    customer_id: int
    order_date: date
    country_code: str
    channel_code: str
    category: str
    quantity: int
    revenue: Decimal


def revenue_lines(landing: Path) -> list[SaleLine]:
    orders = _current(landing, "orders", "order_id")
    lines = _current(landing, "order_lines", "order_line_id")
    products = _product_versions(landing)
    sales = []
    for line in lines.values():
        order = orders.get(int(line["order_id"]))
        if order is None or order["status"].strip().lower() == "cancelled":
            continue
        quantity = int(line["quantity"])
        revenue = quantity * Decimal(str(line["unit_price"])) - Decimal(
            str(line["discount_amount"])
        )
        sales.append(
            SaleLine(
                order_id=int(order["order_id"]),
                customer_id=int(order["customer_id"]),
                order_date=_ts(order["order_ts"]).date(),
                country_code=order["country_code"].strip().upper(),
                channel_code=order["channel"].strip().lower(),
                category=_category_at(products[int(line["product_id"])], order["order_ts"]),
                quantity=quantity,
                revenue=revenue,
            )
        )
    return sales


def dashboard_metrics(landing: Path) -> dict[tuple, dict]:
    """sales_dashboard_metrics: per (date, country, channel, category)."""
    groups: dict[tuple, list[SaleLine]] = defaultdict(list)
    for sale in revenue_lines(landing):
        groups[(sale.order_date, sale.country_code, sale.channel_code, sale.category)].append(sale)
    return {key: _totals(sales) for key, sales in groups.items()}


def monthly_totals(landing: Path) -> dict[date, dict]:
    """executive_summary at month grain."""
    groups: dict[date, list[SaleLine]] = defaultdict(list)
    for sale in revenue_lines(landing):
        groups[sale.order_date.replace(day=1)].append(sale)
    return {month: _totals(sales) for month, sales in groups.items()}


def weekly_totals(landing: Path) -> dict[date, dict]:
    """executive_summary at ISO-week grain (weeks start on Monday)."""
    groups: dict[date, list[SaleLine]] = defaultdict(list)
    for sale in revenue_lines(landing):
        groups[sale.order_date - timedelta(days=sale.order_date.weekday())].append(sale)
    return {week: _totals(sales) for week, sales in groups.items()}


def with_growth(totals: dict[date, dict]) -> dict[date, dict]:
    """executive_summary's growth rates: each period against the one before it (None first)."""
    result, previous = {}, None
    for period in sorted(totals):
        current = dict(totals[period])
        for measure in ("revenue", "orders", "customers"):
            current[f"{measure}_growth_rate"] = (
                None
                if previous is None
                else divide_half_up(current[measure] - previous[measure], previous[measure], 4)
            )
        result[period] = current
        previous = totals[period]
    return result


def divide_half_up(numerator, denominator, places: int) -> Decimal | None:
    """numerator / denominator rounded half-up (away from zero) to `places`; None for / 0."""
    if denominator == 0:
        return None
    # Enough digits that the quotient is exact, or far finer than the rounding, before quantize.
    with localcontext() as context:
        context.prec = 60
        quotient = Decimal(numerator) / Decimal(denominator)
    return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _totals(sales: list[SaleLine]) -> dict:
    revenue = sum((s.revenue for s in sales), Decimal("0"))
    orders = len({s.order_id for s in sales})
    return {
        "revenue": revenue,
        "orders": orders,
        "units": sum(s.quantity for s in sales),
        "customers": len({s.customer_id for s in sales}),
        "average_order_value": divide_half_up(revenue, orders, 2),
    }
