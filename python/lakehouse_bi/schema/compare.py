"""Compare two schemas (column -> type): what was added, dropped, widened, narrowed, changed.

The classification is about the values, for any engine: `widened` means the new type holds
every value of the old one (int -> bigint, int -> decimal(12,2), decimal(10,2) ->
decimal(12,2), any integer or float -> double, date -> timestamp, anything -> string);
`narrowed` is the reverse; `changed` is everything else. Whether an engine can apply it in
place is migration.py's concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from sqlglot import exp

from lakehouse_bi.schema.column_types import (
    COMPLEX,
    INTEGERS,
    TEXT,
    Type,
    decimal_digits,
    same_type,
)

Schema = Mapping[str, exp.DataType]


class ChangeKind(str, Enum):
    ADDED = "added"
    DROPPED = "dropped"
    WIDENED = "widened"
    NARROWED = "narrowed"
    CHANGED = "changed"


@dataclass(frozen=True)
class SchemaChange:
    kind: ChangeKind
    column: str
    old_type: exp.DataType | None = None
    new_type: exp.DataType | None = None

    def describe(self) -> str:
        old = self.old_type.sql("databricks") if self.old_type else None
        new = self.new_type.sql("databricks") if self.new_type else None
        if self.kind is ChangeKind.ADDED:
            return f"{self.column}: added ({new})"
        if self.kind is ChangeKind.DROPPED:
            return f"{self.column}: dropped (was {old})"
        return f"{self.column}: {self.kind.value} from {old} to {new}"


def compare_schemas(old: Schema, new: Schema) -> list[SchemaChange]:
    """Changes from `old` to `new`, in new's column order, then dropped columns in old's."""
    changes = []
    for column, new_type in new.items():
        old_type = old.get(column)
        if old_type is None:
            changes.append(SchemaChange(ChangeKind.ADDED, column, new_type=new_type))
        elif not same_type(old_type, new_type):
            changes.append(SchemaChange(classify(old_type, new_type), column, old_type, new_type))
    changes += [
        SchemaChange(ChangeKind.DROPPED, column, old_type=old_type)
        for column, old_type in old.items()
        if column not in new
    ]
    return changes


def classify(old: exp.DataType, new: exp.DataType) -> ChangeKind:
    if holds_every_value(old, new):
        return ChangeKind.WIDENED
    if holds_every_value(new, old):
        return ChangeKind.NARROWED
    return ChangeKind.CHANGED


def holds_every_value(source: exp.DataType, target: exp.DataType) -> bool:
    """Whether `target` holds every value of `source` (a bigint in a double keeps its
    magnitude, and its digits up to 2**53 -- the engines' own implicit widening)."""
    s, t = source.this, target.this
    if same_type(source, target) or s == Type.NULL:
        return True
    if s in COMPLEX or t in COMPLEX:
        return False  # nested evolution is compared as a whole: equal or not
    if t in TEXT:
        return True
    if s in INTEGERS and t in INTEGERS:
        return INTEGERS[s] <= INTEGERS[t]
    if s in INTEGERS and t == Type.DECIMAL:
        precision, scale = decimal_digits(target)
        return precision - scale >= INTEGERS[s]
    if s == Type.DECIMAL and t == Type.DECIMAL:
        (p1, s1), (p2, s2) = decimal_digits(source), decimal_digits(target)
        return s2 >= s1 and p2 - s2 >= p1 - s1
    if t in (Type.DOUBLE, Type.FLOAT):
        return s in INTEGERS or s == Type.FLOAT
    return s == Type.DATE and t in (Type.TIMESTAMPNTZ, Type.TIMESTAMP, Type.TIMESTAMPTZ)
