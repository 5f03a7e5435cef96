"""The landing-zone entities exactly as docs/LANDING.md lists them (field order matters)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """How a column is rendered in the file; entity tables hold the matching arrow type."""

    INT = "int"  # int64, nullable
    STR = "str"  # utf8, nullable
    DECIMAL2 = "decimal2"  # float64 already rounded to cents; written with exactly 2 places
    TIMESTAMP = "timestamp"  # timestamp[s], UTC, written as 2025-01-03T14:22:05
    DATE = "date"  # date32, written as 2025-01-03
    BOOL = "bool"


@dataclass(frozen=True)
class EntitySpec:
    name: str
    file_format: str  # "csv" or "jsonl"
    key: str
    fields: tuple[tuple[str, Kind], ...]

    @property
    def columns(self) -> list[str]:
        return [name for name, _ in self.fields]


CUSTOMERS = EntitySpec(
    "customers",
    "csv",
    "customer_id",
    (
        ("customer_id", Kind.INT),
        ("first_name", Kind.STR),
        ("last_name", Kind.STR),
        ("email", Kind.STR),
        ("phone", Kind.STR),
        ("street_address", Kind.STR),
        ("city", Kind.STR),
        ("postal_code", Kind.STR),
        ("country_code", Kind.STR),
        ("segment", Kind.STR),
        ("signup_date", Kind.DATE),
        ("updated_at", Kind.TIMESTAMP),
        ("op", Kind.STR),
    ),
)

PRODUCTS = EntitySpec(
    "products",
    "csv",
    "product_id",
    (
        ("product_id", Kind.INT),
        ("product_name", Kind.STR),
        ("category", Kind.STR),
        ("subcategory", Kind.STR),
        ("brand", Kind.STR),
        ("list_price", Kind.DECIMAL2),
        ("unit_cost", Kind.DECIMAL2),
        ("is_active", Kind.BOOL),
        ("updated_at", Kind.TIMESTAMP),
        ("op", Kind.STR),
    ),
)

ORDERS = EntitySpec(
    "orders",
    "jsonl",
    "order_id",
    (
        ("order_id", Kind.INT),
        ("customer_id", Kind.INT),
        ("order_ts", Kind.TIMESTAMP),
        ("status", Kind.STR),
        ("channel", Kind.STR),
        ("country_code", Kind.STR),
        ("currency", Kind.STR),
        ("payment_method", Kind.STR),
        ("updated_at", Kind.TIMESTAMP),
        ("op", Kind.STR),
    ),
)

ORDER_LINES = EntitySpec(
    "order_lines",
    "jsonl",
    "order_line_id",
    (
        ("order_line_id", Kind.INT),
        ("order_id", Kind.INT),
        ("line_number", Kind.INT),
        ("product_id", Kind.INT),
        ("quantity", Kind.INT),
        ("unit_price", Kind.DECIMAL2),
        ("discount_amount", Kind.DECIMAL2),
        ("updated_at", Kind.TIMESTAMP),
        ("op", Kind.STR),
    ),
)

WEB_EVENTS = EntitySpec(
    "web_events",
    "jsonl",
    "event_id",
    (
        ("event_id", Kind.INT),
        ("session_id", Kind.INT),
        ("customer_id", Kind.INT),
        ("event_type", Kind.STR),
        ("page_url", Kind.STR),
        ("product_id", Kind.INT),
        ("channel", Kind.STR),
        ("device", Kind.STR),
        ("event_ts", Kind.TIMESTAMP),
    ),
)

ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec for spec in (CUSTOMERS, PRODUCTS, ORDERS, ORDER_LINES, WEB_EVENTS)
}

ORDER_STATUSES = ("placed", "shipped", "delivered", "cancelled", "returned")
SEGMENTS = ("consumer", "small_business", "corporate")
EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "checkout", "purchase", "search")
CDC_OPS = ("insert", "update", "delete")
