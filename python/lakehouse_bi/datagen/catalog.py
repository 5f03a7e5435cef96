"""Products: a category taxonomy, log-normal prices per category, power-law popularity."""

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
    draw_child,
    epoch_seconds,
    rng_for,
    zipf_weights,
)
from lakehouse_bi.datagen.pools import make_faker


@dataclass(frozen=True)
class Category:
    name: str
    share: float  # share of the catalogue
    median_price: float  # log-normal price: median and sigma of log(price)
    price_sigma: float
    subcategories: dict[str, tuple[str, ...]]  # subcategory -> item nouns


TAXONOMY: tuple[Category, ...] = (
    Category(
        "electronics",
        share=0.16,
        median_price=120.0,
        price_sigma=0.9,
        subcategories={
            "phones": ("Smartphone", "Phone Case", "Screen Protector"),
            "laptops": ("Laptop", "Ultrabook", "Laptop Sleeve"),
            "audio": ("Headphones", "Earbuds", "Bluetooth Speaker", "Soundbar"),
            "wearables": ("Smartwatch", "Fitness Tracker"),
            "accessories": ("USB-C Cable", "Charger", "Power Bank", "Keyboard", "Mouse"),
        },
    ),
    Category(
        "home_kitchen",
        share=0.17,
        median_price=45.0,
        price_sigma=0.8,
        subcategories={
            "cookware": ("Frying Pan", "Saucepan", "Dutch Oven", "Knife Set"),
            "appliances": ("Blender", "Toaster", "Coffee Maker", "Kettle", "Air Fryer"),
            "furniture": ("Desk Chair", "Bookshelf", "Side Table", "Floor Lamp"),
            "bedding": ("Duvet", "Pillow", "Sheet Set", "Throw Blanket"),
        },
    ),
    Category(
        "apparel",
        share=0.20,
        median_price=35.0,
        price_sigma=0.6,
        subcategories={
            "mens": ("T-Shirt", "Jeans", "Jacket", "Hoodie"),
            "womens": ("Dress", "Blouse", "Coat", "Leggings"),
            "shoes": ("Sneakers", "Boots", "Sandals", "Running Shoes"),
            "accessories": ("Belt", "Scarf", "Cap", "Backpack"),
        },
    ),
    Category(
        "sports_outdoors",
        share=0.10,
        median_price=40.0,
        price_sigma=0.8,
        subcategories={
            "fitness": ("Yoga Mat", "Dumbbell Set", "Resistance Bands", "Kettlebell"),
            "camping": ("Tent", "Sleeping Bag", "Camping Stove", "Headlamp"),
            "cycling": ("Bike Helmet", "Bike Light", "Cycling Gloves", "Bike Lock"),
        },
    ),
    Category(
        "beauty",
        share=0.10,
        median_price=18.0,
        price_sigma=0.6,
        subcategories={
            "skincare": ("Moisturizer", "Serum", "Cleanser", "Sunscreen"),
            "haircare": ("Shampoo", "Conditioner", "Hair Dryer", "Hair Oil"),
            "fragrance": ("Eau de Parfum", "Eau de Toilette", "Body Mist"),
        },
    ),
    Category(
        "toys_games",
        share=0.08,
        median_price=25.0,
        price_sigma=0.7,
        subcategories={
            "board_games": ("Board Game", "Card Game", "Strategy Game"),
            "building_sets": ("Building Set", "Construction Kit"),
            "puzzles": ("Jigsaw Puzzle", "3D Puzzle", "Puzzle Cube"),
        },
    ),
    Category(
        "books",
        share=0.12,
        median_price=14.0,
        price_sigma=0.4,
        subcategories={
            "fiction": ("Novel", "Thriller", "Short Stories"),
            "non_fiction": ("Biography", "Cookbook", "Travel Guide"),
            "children": ("Picture Book", "Activity Book"),
        },
    ),
    Category(
        "grocery",
        share=0.07,
        median_price=8.0,
        price_sigma=0.5,
        subcategories={
            "coffee_tea": ("Ground Coffee", "Coffee Beans", "Green Tea", "Herbal Tea"),
            "snacks": ("Granola Bars", "Dark Chocolate", "Trail Mix"),
            "pantry": ("Olive Oil", "Pasta", "Honey", "Spice Set"),
        },
    ),
)

DESCRIPTORS = (
    "Classic", "Pro", "Ultra", "Eco", "Compact", "Premium", "Essential", "Smart", "Lite",
    "Deluxe", "Original", "Sport", "Urban", "Travel", "Max", "Plus", "Organic", "Heritage",
)  # fmt: skip
BRAND_LOCALES = ("en_US", "de_DE", "fr_FR", "it_IT", "sv_SE", "nl_NL", "es_ES")
POPULARITY_EXPONENT = 1.05
INACTIVE_SHARE = 0.06
INACTIVE_POPULARITY = 0.05  # discontinued products still sell a little (old stock)
PRICE_FLOOR_CENTS = 199
PRICE_CAP_CENTS = 999_999


@dataclass
class Catalog:
    table: pa.Table
    price_cents: np.ndarray  # list price per product, index = product_id - 1
    popularity_cum: np.ndarray  # cumulative popularity for weighted draws
    subcategory_paths: list[str]  # "category/subcategory", for page urls and search terms

    @property
    def size(self) -> int:
        return len(self.price_cents)


def _flat_subcategories() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(category index, subcategory) rows and (subcategory row, item noun) rows."""
    subs, items = [], []
    for ci, cat in enumerate(TAXONOMY):
        for sub, nouns in cat.subcategories.items():
            subs.append((ci, sub))
            items.extend((len(subs) - 1, noun) for noun in nouns)
    return subs, items


def _brand_pool(seed: int, size: int) -> list[str]:
    """Surname brands ("Schmidt", "Moretti", "Lindqvist"), as many real brands are."""
    fakers = [make_faker(loc, seed) for loc in BRAND_LOCALES]
    brands: dict[str, None] = {}
    for attempt in range(size * 4):
        name = fakers[attempt % len(fakers)].last_name()
        if " " not in name and len(name) > 2:
            brands.setdefault(name, None)
        if len(brands) >= size:
            break
    return list(brands)


def _descriptor_pool(seed: int) -> list[str]:
    fake = make_faker("en_US", seed)
    colours = {fake.safe_color_name().title() for _ in range(60)}
    return [*DESCRIPTORS, *sorted(colours)]


def build_catalog(n_products: int, start_date: dt.date, seed: int) -> Catalog:
    rng = rng_for(seed, "products")
    subs, items = _flat_subcategories()

    category = draw_categorical(rng, [c.share for c in TAXONOMY], n_products)
    # Subcategory and item are uniform within the parent level.
    subcategory = draw_child(rng, category, np.array([ci for ci, _ in subs]))
    item = draw_child(rng, subcategory, np.array([si for si, _ in items]))

    median = np.array([c.median_price for c in TAXONOMY])[category]
    sigma = np.array([c.price_sigma for c in TAXONOMY])[category]
    price = rng.lognormal(np.log(median), sigma)
    # Most shelf prices end in .99; the rest are plain cents.
    charm = rng.random(n_products) < 0.7
    cents = np.where(charm, np.floor(price) * 100 + 99, np.round(price * 100)).astype(np.int64)
    cents = np.clip(cents, PRICE_FLOOR_CENTS, PRICE_CAP_CENTS)
    cost_cents = np.round(cents * rng.uniform(0.35, 0.75, n_products)).astype(np.int64)
    is_active = rng.random(n_products) >= INACTIVE_SHARE
    start = epoch_seconds(start_date)
    updated = start - rng.integers(SECONDS_PER_DAY, 730 * SECONDS_PER_DAY, n_products)

    brands = _brand_pool(seed, min(400, 30 + n_products // 15))
    brand = rng.integers(0, len(brands), n_products)
    descriptors = _descriptor_pool(seed)
    descriptor = rng.integers(0, len(descriptors), n_products)
    brand_arr = au.labels(brand, brands).dictionary_decode()
    # Model numbers make names of the same brand/item distinct, as in real catalogues.
    model = pc.cast(pa.array(rng.integers(1, 10, n_products) * 100), pa.string())
    has_model = pa.array(rng.random(n_products) < 0.4)
    name = pc.binary_join_element_wise(
        brand_arr,
        au.labels(descriptor, descriptors).dictionary_decode(),
        au.labels(item, [noun for _, noun in items]).dictionary_decode(),
        pc.if_else(has_model, model, None),
        " ",
        null_handling="skip",
    )

    popularity = zipf_weights(rng, n_products, POPULARITY_EXPONENT)
    popularity = np.where(is_active, popularity, popularity * INACTIVE_POPULARITY)

    table = pa.table(
        {
            "product_id": pa.array(np.arange(1, n_products + 1, dtype=np.int64)),
            "product_name": name,
            "category": au.labels(category, [c.name for c in TAXONOMY]),
            "subcategory": au.labels(subcategory, [s for _, s in subs]),
            "brand": brand_arr,
            "list_price": au.money(cents),
            "unit_cost": au.money(cost_cents),
            "is_active": pa.array(is_active),
            "updated_at": au.timestamps(updated),
            "op": au.constant("insert", n_products),
        }
    )
    paths = [f"{TAXONOMY[ci].name}/{sub}" for ci, sub in subs]
    return Catalog(table, cents, cumulative(popularity), paths)


def search_terms() -> list[str]:
    """What shoppers type into the search box: the item nouns of the taxonomy."""
    return sorted(
        {noun.lower() for cat in TAXONOMY for nouns in cat.subcategories.values() for noun in nouns}
    )
