"""Vectorised random draws shared by the entity builders (all numpy, no per-row Python)."""

from __future__ import annotations

import datetime as dt
import itertools
import zlib
from collections.abc import Sequence

import numpy as np

SECONDS_PER_DAY = 86_400

# Relative volume per weekday (Mon..Sun): online retail peaks at the weekend.
WEEKDAY_FACTORS = np.array([0.92, 0.95, 0.97, 1.00, 1.05, 1.30, 1.22])
# Relative volume per UTC hour: quiet nights, evening peak.
HOUR_WEIGHTS = np.array(
    [0.35, 0.22, 0.15, 0.12, 0.12, 0.18, 0.35, 0.60, 0.80, 0.90, 0.95, 1.00,
     1.05, 1.00, 0.95, 0.95, 1.00, 1.10, 1.25, 1.40, 1.45, 1.30, 1.00, 0.65]
)  # fmt: skip
YEARLY_GROWTH = 0.12  # mild upward trend: +12% volume per year
HOLIDAY_BOOST = 1.15  # late-November to December shopping season


def rng_for(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """Independent, reproducible generator per purpose.

    Streams are keyed by name (crc32, not hash(): that is salted per process) so adding a new
    stream or changing one entity never shifts the random numbers of another.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(stream.encode()), *keys]))


def cumulative(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    cum = np.cumsum(w / w.sum())
    cum[-1] = 1.0  # guard against float drift so every uniform draw lands inside
    return cum


def draw_index(rng: np.random.Generator, cum: np.ndarray, size: int) -> np.ndarray:
    """Weighted choice given cumulative weights; faster than rng.choice for repeated use."""
    idx = np.searchsorted(cum, rng.random(size), side="right")
    return idx.astype(np.int64 if len(cum) > 32_000 else np.int32)


def draw_categorical(
    rng: np.random.Generator, weights: Sequence[float] | np.ndarray, size: int
) -> np.ndarray:
    return draw_index(rng, cumulative(weights), size)


def draw_conditional(
    rng: np.random.Generator, condition: np.ndarray, weight_matrix: np.ndarray
) -> np.ndarray:
    """Row `condition[i]` of weight_matrix holds the category weights for draw i."""
    w = np.asarray(weight_matrix, dtype=np.float64)
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(condition))
    return (u[:, None] >= cum[condition]).sum(axis=1).astype(np.int32)


def zipf_weights(rng: np.random.Generator, n: int, exponent: float = 1.05) -> np.ndarray:
    """Power-law popularity: rank r gets 1/r^s, ranks shuffled so ids carry no popularity."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return rng.permutation(weights)


def day_weights(start: dt.date, days: int) -> np.ndarray:
    """Expected relative volume per day: weekday pattern x yearly trend x holiday season."""
    dates = np.arange(days)
    weekday = (start.weekday() + dates) % 7
    trend = 1.0 + YEARLY_GROWTH * dates / 365.0
    day = np.datetime64(start) + dates.astype("timedelta64[D]")
    month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    holiday = np.where((month == 12) | ((month == 11) & (dom >= 20)), HOLIDAY_BOOST, 1.0)
    return WEEKDAY_FACTORS[weekday] * trend * holiday


def seconds_in_day(rng: np.random.Generator, size: int) -> np.ndarray:
    hour = draw_categorical(rng, HOUR_WEIGHTS, size).astype(np.int64)
    return hour * 3600 + rng.integers(0, 3600, size)


def epoch_seconds(day: dt.date) -> int:
    return int((np.datetime64(day, "s") - np.datetime64(0, "s")).astype(np.int64))


def group_days(counts: np.ndarray, max_per_group: int) -> list[tuple[int, int]]:
    """Split consecutive days into [lo, hi) ranges holding at most ~max_per_group rows each.

    Generation and file parts follow these ranges so memory stays bounded at any scale.
    """
    total = int(counts.sum())
    groups = max(1, -(-total // max_per_group))
    if groups == 1:
        return [(0, len(counts))]
    cum = np.cumsum(counts)
    cuts = np.searchsorted(cum, np.linspace(0, total, groups + 1)[1:-1], side="left") + 1
    bounds = [0, *sorted({int(c) for c in cuts if 0 < c < len(counts)}), len(counts)]
    return list(itertools.pairwise(bounds))


def draw_child(
    rng: np.random.Generator, parent: np.ndarray, child_parent: np.ndarray
) -> np.ndarray:
    """For each row's parent, a uniformly chosen child (children listed by their parent index)."""
    child_parent = np.asarray(child_parent)
    order = np.argsort(child_parent, kind="stable")
    counts = np.bincount(child_parent, minlength=int(parent.max()) + 1)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = (rng.random(len(parent)) * counts[parent]).astype(np.int64)
    return order[offsets[parent] + pick]
