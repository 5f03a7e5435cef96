"""Pools of realistic strings made with Faker, recombined per row with numpy/pyarrow.

Faker costs tens of microseconds per call, far too slow for millions of rows; a few thousand
values per country, mixed with random numbers, give varied output at numpy speed.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker import Faker

# Faker locale per country; unknown countries fall back to en_US. Countries without a Faker
# locale of their own use the closest cheap one (Singapore: en_US, South Africa: zu_ZA).
COUNTRY_LOCALES = {
    "US": "en_US", "CA": "en_CA", "MX": "es_MX", "BR": "pt_BR", "AR": "es_AR",
    "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR", "ES": "es_ES", "IT": "it_IT",
    "NL": "nl_NL", "SE": "sv_SE", "PL": "pl_PL", "IN": "en_IN", "JP": "ja_JP",
    "AU": "en_AU", "SG": "en_US", "ZA": "zu_ZA", "AE": "ar_AE",
}  # fmt: skip
FALLBACK_LOCALE = "en_US"

_FOLD = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d"})
_FIRST_DIGITS = re.compile(r"^(\D*)(\d+)(.*)$", re.DOTALL)
_LAST_DIGITS = re.compile(r"^(.*?)(\d+)(\D*)$", re.DOTALL)
_EXTENSION = re.compile(r"\s*(x|ext\.?)\s*\d+$", re.IGNORECASE)


def make_faker(locale: str, seed: int) -> Faker:
    fake = Faker(locale)
    # crc32 keeps per-locale seeds stable across processes (hash() is salted).
    fake.seed_instance(seed ^ zlib.crc32(locale.encode()))
    for provider in fake.get_providers():
        # Some providers build their city list from a set (it_IT), so its order, and thus
        # the cities drawn, changes with PYTHONHASHSEED; a sorted copy makes it reproducible.
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list):
            provider.cities = sorted(cities)
    return fake


def ascii_token(text: str, fallback: str = "user") -> str:
    """Lower-case a-z only, for e-mail local parts ("Zänker" -> "zanker")."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    token = "".join(ch for ch in folded if "a" <= ch <= "z")
    return token or fallback


def one_line(text: str) -> str:
    """Some locales put a newline inside addresses; CSV consumers prefer one line."""
    return ", ".join(part.strip() for part in text.splitlines() if part.strip())


@dataclass
class GroupedPool:
    """String columns stored flat, one contiguous slice per group (country)."""

    columns: dict[str, pa.Array]
    offsets: np.ndarray
    sizes: np.ndarray

    @classmethod
    def build(cls, groups: Sequence[dict[str, list]]) -> GroupedPool:
        sizes = np.array([len(next(iter(g.values()))) for g in groups], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        names = list(groups[0])
        columns = {name: pa.array([v for g in groups for v in g[name]]) for name in names}
        return cls(columns, offsets, sizes)

    def draw(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """A random row of each row's own group, uniformly."""
        return self.offsets[group] + (rng.random(len(group)) * self.sizes[group]).astype(np.int64)

    def take(self, column: str, rows: np.ndarray) -> pa.Array:
        return self.columns[column].take(pa.array(rows))


@dataclass
class PersonPools:
    names: GroupedPool  # first_name, first_ascii
    surnames: GroupedPool  # last_name, last_ascii
    streets: GroupedPool  # head, width (digits of the house number), tail
    phones: GroupedPool  # head, tail, randomisable (bool)
    places: GroupedPool  # city
    postcodes: GroupedPool  # postal_code
    domains: GroupedPool  # domain


def _unique_values(make: Callable[[], str], size: int, attempts_factor: int = 3) -> list[str]:
    """Up to `size` distinct values, in a deterministic order."""
    seen: dict[str, None] = {}
    for _ in range(size * attempts_factor):
        seen.setdefault(make(), None)
        if len(seen) >= size:
            break
    return list(seen)


def _name_pairs(fake: Faker, locale: str, size: int, last: bool) -> dict[str, list[str]]:
    if locale == "ja_JP":
        # Kanji for display, the romanised reading for the e-mail address.
        pair = fake.last_name_pair if last else fake.first_name_pair
        pairs = dict.fromkeys(pair() for _ in range(size))
        display = [p[0] for p in pairs]
        ascii_ = [ascii_token(p[2]) for p in pairs]
    else:
        display = _unique_values(fake.last_name if last else fake.first_name, size)
        ascii_ = [ascii_token(v) for v in display]
    prefix = "last" if last else "first"
    return {f"{prefix}_name": display, f"{prefix}_ascii": ascii_}


def _street_templates(streets: list[str]) -> dict[str, list]:
    """Split "5294 Natalie Burgs" around its first number, which is re-drawn per customer."""
    heads, widths, tails = [], [], []
    for value in streets:
        match = _FIRST_DIGITS.match(value)
        if match:
            heads.append(match.group(1))
            widths.append(len(match.group(2)))
            tails.append(match.group(3))
        else:
            heads.append(value)
            widths.append(0)
            tails.append("")
    return {"head": heads, "width": widths, "tail": tails}


def _phone_template(phone: str) -> tuple[str, str, bool]:
    """(head, tail, randomisable): the last 4 digits are re-drawn per customer when present."""
    match = _LAST_DIGITS.match(phone)
    if not match or len(match.group(2)) < 4:
        return phone, "", False
    return match.group(1) + match.group(2)[:-4], match.group(3), True


def _pool_size(expected_rows: float, share: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(expected_rows * share))))


def build_person_pools(
    country_codes: Sequence[str], expected_customers: np.ndarray, seed: int
) -> PersonPools:
    """Per-country pools sized to the expected number of customers in that country."""
    per_pool: dict[str, list[dict[str, list]]] = {k: [] for k in PersonPools.__dataclass_fields__}
    for code, expected in zip(country_codes, expected_customers, strict=True):
        locale = COUNTRY_LOCALES.get(code, FALLBACK_LOCALE)
        fake = make_faker(locale, seed)
        per_pool["names"].append(_name_pairs(fake, locale, _pool_size(expected, 1, 20, 800), False))
        per_pool["surnames"].append(
            _name_pairs(fake, locale, _pool_size(expected, 1, 20, 800), True)
        )
        streets = _unique_values(
            lambda f=fake: one_line(f.street_address()), _pool_size(expected, 0.5, 20, 1500)
        )
        per_pool["streets"].append(_street_templates(streets))
        phones = [
            _phone_template(_EXTENSION.sub("", fake.phone_number()))
            for _ in range(_pool_size(expected, 0.1, 10, 300))
        ]
        per_pool["phones"].append(
            {
                "head": [h for h, _, _ in phones],
                "tail": [t for _, t, _ in phones],
                "randomisable": [r for _, _, r in phones],
            }
        )
        per_pool["places"].append(
            {"city": _unique_values(fake.city, _pool_size(expected, 0.2, 10, 400))}
        )
        per_pool["postcodes"].append(
            {"postal_code": [fake.postcode() for _ in range(_pool_size(expected, 0.3, 10, 800))]}
        )
        per_pool["domains"].append({"domain": [fake.free_email_domain() for _ in range(20)]})
    return PersonPools(**{k: GroupedPool.build(v) for k, v in per_pool.items()})


def random_digits(rng: np.random.Generator, size: int, width: int) -> pa.Array:
    """Zero-padded random digit strings of a fixed width."""
    numbers = pa.array(rng.integers(0, 10**width, size))
    return pc.utf8_lpad(pc.cast(numbers, pa.string()), width=width, padding="0")


def house_numbers(rng: np.random.Generator, widths: np.ndarray) -> pa.Array:
    """A number with at most `width` digits (no leading zero); empty where width is 0."""
    capped = np.minimum(widths, 4)
    upper = 10 ** capped.astype(np.int64)
    numbers = 1 + (rng.random(len(widths)) * (upper - 1)).astype(np.int64)
    text = pc.cast(pa.array(numbers), pa.string())
    return pc.if_else(pa.array(capped > 0), text, "")
