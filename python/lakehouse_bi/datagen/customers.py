"""Customers: weighted countries, skewed buying activity, Faker-pool names and addresses.

Built in two steps: a numeric profile first (orders and web events need countries and
activity weights), then the full table once every customer's first activity is known, so a
signup never comes after the customer's first order or visit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse_bi.datagen import arrow_utils as au
from lakehouse_bi.datagen.distributions import (
    SECONDS_PER_DAY,
    cumulative,
    draw_categorical,
    epoch_seconds,
    rng_for,
)
from lakehouse_bi.datagen.pools import (
    PersonPools,
    build_person_pools,
    house_numbers,
    random_digits,
)
from lakehouse_bi.datagen.schema import SEGMENTS

# Relative customer base per country; seeds rows without a weight get DEFAULT_COUNTRY_WEIGHT.
COUNTRY_WEIGHTS = {
    "US": 28.0, "GB": 11.0, "DE": 10.0, "FR": 6.0, "CA": 5.0, "AU": 4.0, "JP": 4.0, "IN": 4.0,
    "IT": 4.0, "ES": 4.0, "NL": 3.0, "BR": 3.0, "MX": 3.0, "SE": 2.0, "PL": 2.0, "SG": 1.5,
    "AE": 1.5, "ZA": 1.5, "AR": 1.5,
}  # fmt: skip
DEFAULT_COUNTRY_WEIGHT = 1.0
SEGMENT_WEIGHTS = (0.82, 0.13, 0.05)  # consumer, small_business, corporate
ACTIVITY_SIGMA = 1.2  # log-normal buying propensity: a minority of customers buys most
SIGNUP_HISTORY_DAYS = 3 * 365  # existing customers signed up within 3 years before the window
NEW_CUSTOMER_SHARE = 0.15  # customers who sign up during the window
EMAIL_PATTERNS = 4


@dataclass
class CustomerProfile:
    """Numeric attributes; index = customer_id - 1."""

    country: np.ndarray  # index into the countries seed
    segment: np.ndarray  # index into SEGMENTS
    activity_cum: np.ndarray  # cumulative buying propensity for weighted draws
    signup_ts: np.ndarray  # epoch seconds before adjustment to first activity
    first_activity_ts: np.ndarray  # epoch seconds, int64 max until seen

    @property
    def size(self) -> int:
        return len(self.country)

    def record_activity(self, customer_index: np.ndarray, ts: np.ndarray) -> None:
        np.minimum.at(self.first_activity_ts, customer_index, ts)


def country_weights(country_codes: list[str]) -> np.ndarray:
    return np.array([COUNTRY_WEIGHTS.get(c, DEFAULT_COUNTRY_WEIGHT) for c in country_codes])


def plan_customers(
    n_customers: int, country_codes: list[str], start_date: dt.date, end_date: dt.date, seed: int
) -> CustomerProfile:
    rng = rng_for(seed, "customer_profile")
    country = draw_categorical(rng, country_weights(country_codes), n_customers)
    segment = draw_categorical(rng, SEGMENT_WEIGHTS, n_customers)
    activity = rng.lognormal(0.0, ACTIVITY_SIGMA, n_customers)

    start = epoch_seconds(start_date)
    window = ((end_date - start_date).days + 1) * SECONDS_PER_DAY
    is_new = rng.random(n_customers) < NEW_CUSTOMER_SHARE
    before = start - rng.integers(1, SIGNUP_HISTORY_DAYS * SECONDS_PER_DAY, n_customers)
    during = start + rng.integers(0, window, n_customers)
    signup = np.where(is_new, during, before)
    # Customers who only join late have had less time to buy.
    activity = np.where(is_new, activity * rng.uniform(0.2, 1.0, n_customers), activity)
    return CustomerProfile(
        country=country,
        segment=segment,
        activity_cum=cumulative(activity),
        signup_ts=signup,
        first_activity_ts=np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64),
    )


def _emails(
    rng: np.random.Generator, first: pa.Array, last: pa.Array, ids: pa.Array, domain: pa.Array
) -> pa.Array:
    """Name-derived addresses; the customer id in the local part makes every address unique.

    Names are folded to a-z, so the trailing digits are always exactly the customer id.
    """
    initial = pc.utf8_slice_codeunits(first, 0, 1)
    local = pc.choose(
        pa.array(rng.integers(0, EMAIL_PATTERNS, len(ids)).astype(np.int8)),
        pc.binary_join_element_wise(first, last, ids, "."),  # anna.schmidt.17
        pc.binary_join_element_wise(initial, last, ids, ""),  # aschmidt17
        pc.binary_join_element_wise(first, "_", last, ids, ""),  # anna_schmidt17
        pc.binary_join_element_wise(last, first, ids, "."),  # schmidt.anna.17
    )
    return pc.binary_join_element_wise(local, domain, "@")


def customer_pools(n_customers: int, country_codes: list[str], seed: int) -> PersonPools:
    """Faker pools sized to the expected customers per country (also used by CDC batches)."""
    weights = country_weights(country_codes)
    return build_person_pools(country_codes, n_customers * weights / weights.sum(), seed)


def build_customers(
    profile: CustomerProfile,
    country_codes: list[str],
    end_date: dt.date,
    seed: int,
    pools: PersonPools | None = None,
) -> pa.Table:
    rng = rng_for(seed, "customers")
    n = profile.size
    pools = pools or customer_pools(n, country_codes, seed)
    country = profile.country

    name_rows = pools.names.draw(rng, country)
    surname_rows = pools.surnames.draw(rng, country)
    street_rows = pools.streets.draw(rng, country)
    phone_rows = pools.phones.draw(rng, country)
    ids = np.arange(1, n + 1, dtype=np.int64)
    id_text = pc.cast(pa.array(ids), pa.string())

    email = _emails(
        rng,
        pools.names.take("first_ascii", name_rows),
        pools.surnames.take("last_ascii", surname_rows),
        id_text,
        pools.domains.take("domain", pools.domains.draw(rng, country)),
    )
    phone_digits = pc.if_else(
        pools.phones.take("randomisable", phone_rows), random_digits(rng, n, 4), ""
    )
    phone = pc.binary_join_element_wise(
        pools.phones.take("head", phone_rows),
        phone_digits,
        pools.phones.take("tail", phone_rows),
        "",
    )
    widths = pools.streets.take("width", street_rows).to_numpy()
    street = pc.binary_join_element_wise(
        pools.streets.take("head", street_rows),
        house_numbers(rng, widths),
        pools.streets.take("tail", street_rows),
        "",
    )

    # Signup precedes the first order or visit by a few minutes to a few days.
    lead = rng.integers(60, 3 * SECONDS_PER_DAY, n)
    seen = profile.first_activity_ts < np.iinfo(np.int64).max
    signup = np.where(
        seen, np.minimum(profile.signup_ts, profile.first_activity_ts - lead), profile.signup_ts
    )
    signup = np.minimum(signup, epoch_seconds(end_date) + SECONDS_PER_DAY - 1)

    return pa.table(
        {
            "customer_id": pa.array(ids),
            "first_name": pools.names.take("first_name", name_rows),
            "last_name": pools.surnames.take("last_name", surname_rows),
            "email": email,
            "phone": phone,
            "street_address": street,
            "city": pools.places.take("city", pools.places.draw(rng, country)),
            "postal_code": pools.postcodes.take("postal_code", pools.postcodes.draw(rng, country)),
            "country_code": au.labels(country, country_codes),
            "segment": au.labels(profile.segment, SEGMENTS),
            "signup_date": au.dates(signup),
            "updated_at": au.timestamps(signup),
            "op": au.constant("insert", n),
        }
    )
