"""Reference codes (countries, channels) read from the dbt seeds, the single source of truth."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from lakehouse_bi.errors import ConfigError

# python/lakehouse_bi/datagen/seeds.py -> project root is three levels above the package dir.
DEFAULT_SEEDS_DIR = Path(__file__).resolve().parents[3] / "seeds"


class SeedsError(ConfigError):
    """The seeds folder or one of its files is missing or malformed."""


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    region: str
    currency: str


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    is_online: bool


@dataclass(frozen=True)
class ReferenceData:
    countries: tuple[Country, ...]
    channels: tuple[Channel, ...]

    @property
    def country_codes(self) -> list[str]:
        return [c.code for c in self.countries]

    @property
    def channel_codes(self) -> list[str]:
        return [c.code for c in self.channels]


def _read_rows(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise SeedsError(
            f"seed file {path} not found; run from a lakehouse-bi checkout or pass --seeds-dir"
        )
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise SeedsError(f"{path} lacks column(s) {', '.join(sorted(missing))}")
        rows = [row for row in reader if any(v.strip() for v in row.values() if v)]
    if not rows:
        raise SeedsError(f"{path} has no rows")
    return rows


def load_reference_data(seeds_dir: Path | None = None) -> ReferenceData:
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else DEFAULT_SEEDS_DIR
    if not seeds_dir.is_dir():
        raise SeedsError(
            f"seeds directory {seeds_dir} not found; run from a lakehouse-bi checkout "
            "or pass --seeds-dir"
        )
    country_rows = _read_rows(
        seeds_dir / "countries.csv", {"country_code", "country_name", "region", "currency_code"}
    )
    channel_rows = _read_rows(
        seeds_dir / "channels.csv", {"channel_code", "channel_name", "is_online"}
    )
    countries = tuple(
        Country(r["country_code"].strip(), r["country_name"], r["region"], r["currency_code"])
        for r in country_rows
    )
    channels = tuple(
        Channel(
            r["channel_code"].strip(),
            r["channel_name"],
            r["is_online"].strip().lower() in {"true", "1", "yes"},
        )
        for r in channel_rows
    )
    return ReferenceData(countries=countries, channels=channels)
