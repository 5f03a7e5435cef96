"""What a policy may name. Mirrors the registries of packages/lakehouse/macros/governance/ (a
unit test keeps them in step): the masks of mask_expression.sql, the classifications and row
filter functions of model_policy.sql, the privileges of apply_grants.sql."""

from __future__ import annotations

import re

CLASSIFICATIONS = ("public", "internal", "confidential", "pii")  # least to most sensitive
MASK_KINDS = ("email", "phone", "name", "partial", "hash", "null")
MASK_FUNCTIONS = tuple(f"mask_{kind}" for kind in MASK_KINDS)
ROW_FILTER_FUNCTIONS = ("row_access_by_country",)
PRIVILEGES = ("select", "modify", "all privileges", "apply tag")
DEFAULT_TABLE_CLASSIFICATION = "internal"

_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_plain_identifier(value: object) -> bool:
    """Safe quoted as an identifier and inside a single-quoted literal, on both engines."""
    return isinstance(value, str) and _PLAIN_IDENTIFIER.fullmatch(value) is not None


def sensitivity(classification: str) -> int:
    return CLASSIFICATIONS.index(classification)
