"""Small helpers to turn numpy arrays into the arrow columns the writer expects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def labels(indices: np.ndarray, values: Sequence[str]) -> pa.Array:
    """Low-cardinality strings as a dictionary array: built from integer codes, no Python loop."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(indices, dtype=np.int32)), pa.array(list(values), pa.string())
    )


def constant(value: str, size: int) -> pa.Array:
    return labels(np.zeros(size, dtype=np.int32), [value])


def timestamps(epoch_seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(epoch_seconds, dtype=np.int64).astype("datetime64[s]"))


def dates(epoch_seconds: np.ndarray) -> pa.Array:
    days = np.asarray(epoch_seconds, dtype=np.int64) // 86_400
    return pa.array(days.astype(np.int32), pa.date32())


def money(cents: np.ndarray) -> pa.Array:
    """Decimals travel as float64 of whole cents / 100; the writer renders exactly 2 places."""
    return pa.array(np.asarray(cents, dtype=np.int64) / 100.0)


def nullable_ints(values: np.ndarray, null_mask: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=np.asarray(null_mask, dtype=bool))
