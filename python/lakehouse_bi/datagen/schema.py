"""The landing-zone entities the generator writes: names, formats, keys and column order
come from the entity registry (lakehouse_bi.entity_registry, the dbt source `landing`);
how each column's values are rendered is the generator's own knowledge (KINDS)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from lakehouse_bi.entity_registry import LandingEntity, load_registry
from lakehouse_bi.errors import ConfigError


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


# How the generator renders each column of the entities it generates (docs/LANDING.md,
# "Entities and fields"). A registry entity not listed here is landed by its own source
# system (the generator skips it); a listed one must declare exactly these columns.
KINDS: dict[str, dict[str, Kind]] = {
    "customers": {
        "customer_id": Kind.INT,
        "first_name": Kind.STR,
        "last_name": Kind.STR,
        "email": Kind.STR,
        "phone": Kind.STR,
        "street_address": Kind.STR,
        "city": Kind.STR,
        "postal_code": Kind.STR,
        "country_code": Kind.STR,
        "segment": Kind.STR,
        "signup_date": Kind.DATE,
        "updated_at": Kind.TIMESTAMP,
        "op": Kind.STR,
    },
    "products": {
        "product_id": Kind.INT,
        "product_name": Kind.STR,
        "category": Kind.STR,
        "subcategory": Kind.STR,
        "brand": Kind.STR,
        "list_price": Kind.DECIMAL2,
        "unit_cost": Kind.DECIMAL2,
        "is_active": Kind.BOOL,
        "updated_at": Kind.TIMESTAMP,
        "op": Kind.STR,
    },
    "orders": {
        "order_id": Kind.INT,
        "customer_id": Kind.INT,
        "order_ts": Kind.TIMESTAMP,
        "status": Kind.STR,
        "channel": Kind.STR,
        "country_code": Kind.STR,
        "currency": Kind.STR,
        "payment_method": Kind.STR,
        "updated_at": Kind.TIMESTAMP,
        "op": Kind.STR,
    },
    "order_lines": {
        "order_line_id": Kind.INT,
        "order_id": Kind.INT,
        "line_number": Kind.INT,
        "product_id": Kind.INT,
        "quantity": Kind.INT,
        "unit_price": Kind.DECIMAL2,
        "discount_amount": Kind.DECIMAL2,
        "updated_at": Kind.TIMESTAMP,
        "op": Kind.STR,
    },
    "web_events": {
        "event_id": Kind.INT,
        "session_id": Kind.INT,
        "customer_id": Kind.INT,
        "event_type": Kind.STR,
        "page_url": Kind.STR,
        "product_id": Kind.INT,
        "channel": Kind.STR,
        "device": Kind.STR,
        "event_ts": Kind.TIMESTAMP,
    },
}


def entity_spec(entity: LandingEntity) -> EntitySpec:
    """The generator's spec of a registry entity it generates (registry order of columns).

    Raises:
        ConfigError: the registry declares a column the generator cannot render, or lacks one
            it renders (the generator and the registry must agree on every column).
    """
    kinds = KINDS[entity.name]
    if set(entity.columns) != set(kinds):
        raise ConfigError(
            f"The registry declares landing.{entity.name} columns {', '.join(entity.columns)}, "
            f"but the generator writes {', '.join(kinds)}.",
            "Change both together: models/bronze/landing/_landing__sources.yml and "
            "KINDS in python/lakehouse_bi/datagen/schema.py (with the generator's values).",
        )
    return EntitySpec(entity.name, entity.file_format, entity.key,
                      tuple((column, kinds[column]) for column in entity.columns))  # fmt: skip


# The entities the generator writes, in the registry's order (masters before the facts that
# refer to them).
ENTITIES: dict[str, EntitySpec] = {
    name: entity_spec(entity) for name, entity in load_registry().items() if name in KINDS
}

ORDER_STATUSES = ("placed", "shipped", "delivered", "cancelled", "returned")
SEGMENTS = ("consumer", "small_business", "corporate")
EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "checkout", "purchase", "search")
CDC_OPS = ("insert", "update", "delete")
