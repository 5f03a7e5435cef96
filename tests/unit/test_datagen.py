"""`lakehouse-bi generate`: layout and rules of docs/LANDING.md, determinism, realism, errors."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse_bi.datagen import config as config_module
from lakehouse_bi.datagen import generator as generator_module
from lakehouse_bi.datagen.command import generate
from lakehouse_bi.datagen.config import SCENARIOS, OptionError, resolve_config, utc_today
from lakehouse_bi.datagen.generator import generate_landing
from lakehouse_bi.datagen.schema import ENTITIES

PROJECT = Path(__file__).resolve().parents[2]
LANDING_DOC = PROJECT / "docs" / "LANDING.md"
SEEDS = PROJECT / "seeds"
ROWS = 5000  # orders; small enough to be fast, large enough for distributions to show
START, END = dt.date(2025, 10, 3), dt.date(2025, 12, 31)  # 90 days, the small scenario
# The default window ends today: runs whose bytes or dates are checked pass the dates.
WINDOW = ("--start-date", START.isoformat(), "--end-date", END.isoformat())
BATCH = "b0000_20251003"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl"}


# --------------------------------------------------------------------------- helpers


def run_generate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(generate, [*args, "--quiet"])
    error = str(result.exception or "") if result.exit_code else ""
    return result.exit_code, result.output + error


def contract_from_doc() -> dict[str, tuple[str, str, list[str]]]:
    """entity -> (format, key, fields) parsed from the table in docs/LANDING.md."""
    contract = {}
    for line in LANDING_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1] in {"csv", "jsonl"}:
            contract[cells[0]] = (cells[1], cells[2], [f.strip() for f in cells[3].split(",")])
    return contract


def seed_column(name: str, column: str) -> list[str]:
    with (SEEDS / name).open(newline="") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def read_entity(root: Path, entity: str) -> list[dict]:
    rows: list[dict] = []
    for path in sorted((root / entity).glob("batch=*/*")):
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                rows.extend(csv.DictReader(fh))
        else:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                    pytest.fail(f"{path}:{number} is not valid JSON: {exc}")
    return rows


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing") / "out"
    code, output = run_generate("--rows", str(ROWS), *WINDOW, "--output", str(root))
    assert code == 0, output
    return root


@pytest.fixture(scope="module")
def data(landing: Path) -> dict[str, list[dict]]:
    return {entity: read_entity(landing, entity) for entity in ENTITIES}


# --------------------------------------------------------------------------- layout


def test_schema_module_matches_landing_doc():
    contract = contract_from_doc()
    assert set(contract) == set(ENTITIES)
    for name, spec in ENTITIES.items():
        assert (spec.file_format, spec.key, spec.columns) == contract[name]


def test_layout_matches_landing_contract(landing: Path):
    contract = contract_from_doc()
    expected = {"_manifest.json", "_changes.jsonl"} | {
        f"{e}/batch={BATCH}/{e}_{BATCH}.{EXTENSIONS[fmt]}" for e, (fmt, _, _) in contract.items()
    }
    actual = {str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file()}
    assert actual == expected
    assert not [p for p in landing.iterdir() if p.name.startswith(".")], "staging left behind"


def test_files_have_contract_fields_in_order(landing: Path):
    for entity, (fmt, _, fields) in contract_from_doc().items():
        (path,) = (landing / entity).glob("batch=*/*")
        with path.open(encoding="utf-8", newline="") as fh:
            first = fh.readline()
        if fmt == "csv":
            assert first.rstrip("\r\n") == ",".join(fields)
        else:
            assert list(json.loads(first)) == fields


def test_formats_timestamps_dates_and_decimals(landing: Path, data):
    for entity, (_, _, fields) in contract_from_doc().items():
        rows = data[entity]
        for field in fields:
            if field.endswith(("_ts", "_at")):
                bad = [r[field] for r in rows if not TIMESTAMP.match(r[field])]
                assert not bad, f"{entity}.{field}: {bad[:3]}"
    assert all(DATE.match(r["signup_date"]) for r in data["customers"])
    lines_text = next((landing / "order_lines").glob("batch=*/*")).read_text()
    # JSON numbers with exactly two decimals, e.g. 12.50 and 0.00.
    for field in ("unit_price", "discount_amount"):
        values = re.findall(rf'"{field}":([^,}}]+)', lines_text)
        assert len(values) == len(data["order_lines"])
        assert all(re.fullmatch(r"\d+\.\d{2}", v) for v in values), field
    for row in data["products"]:
        assert re.fullmatch(r"\d+\.\d{2}", row["list_price"])
        assert re.fullmatch(r"\d+\.\d{2}", row["unit_cost"])
        assert row["is_active"] in {"true", "false"}


def test_manifest_describes_what_was_written(landing: Path, data):
    manifest = json.loads((landing / "_manifest.json").read_text())
    assert manifest["scenario"] == "small"
    assert manifest["seed"] == 42
    assert manifest["rows_override"] == ROWS
    assert (manifest["start_date"], manifest["end_date"]) == (START.isoformat(), END.isoformat())
    assert manifest["generator_version"]
    (batch,) = manifest["batches"]
    assert batch["batch_id"] == BATCH
    assert set(batch["entities"]) == set(ENTITIES)
    for entity, entry in batch["entities"].items():
        assert entry["rows"] == len(data[entity])
        assert all((landing / f).is_file() for f in entry["files"])


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(landing: Path, tmp_path: Path):
    code, output = run_generate("--rows", str(ROWS), *WINDOW, "--output", str(tmp_path / "again"))
    assert code == 0, output
    assert file_digests(tmp_path / "again") == file_digests(landing)


def test_identical_bytes_across_processes(landing: Path, tmp_path: Path):
    """A fresh interpreter (other str-hash salt) must not change a byte either."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = tmp_path / "subprocess"
    command = [sys.executable, "-m", "lakehouse_bi.datagen.command"]
    args = ["--rows", str(ROWS), *WINDOW, "--output", str(out), "--quiet"]
    subprocess.run([*command, *args], env=env, check=True, cwd=tmp_path)
    assert file_digests(out) == file_digests(landing)


def test_different_seed_gives_different_data(landing: Path, tmp_path: Path):
    code, output = run_generate(
        "--rows", str(ROWS), *WINDOW, "--output", str(tmp_path / "other"), "--seed", "43"
    )
    assert code == 0, output
    ours, theirs = file_digests(landing), file_digests(tmp_path / "other")
    assert ours.keys() == theirs.keys()
    # Without batches or anomalies the change log is empty for every seed.
    assert (landing / "_changes.jsonl").read_bytes() == b""
    assert all(ours[f] != theirs[f] for f in ours if f != "_changes.jsonl")


# --------------------------------------------------------------------------- integrity


def test_unique_keys_and_emails(data):
    for name, spec in ENTITIES.items():
        keys = [str(r[spec.key]) for r in data[name]]
        assert len(keys) == len(set(keys)), name
        assert all(int(k) > 0 for k in keys), name
    emails = [r["email"] for r in data["customers"]]
    assert len(emails) == len(set(emails))
    assert all(re.fullmatch(r"[a-z._]+\d+@[a-z0-9.-]+\.[a-z]+", e) for e in emails)


def test_referential_integrity(data):
    customers = {int(r["customer_id"]) for r in data["customers"]}
    products = {int(r["product_id"]) for r in data["products"]}
    orders = {r["order_id"] for r in data["orders"]}
    assert {r["customer_id"] for r in data["orders"]} <= customers
    assert {r["order_id"] for r in data["order_lines"]} <= orders
    assert {r["order_id"] for r in data["order_lines"]} == orders, "every order has lines"
    assert {r["product_id"] for r in data["order_lines"]} <= products
    events = data["web_events"]
    assert {r["customer_id"] for r in events if r["customer_id"] is not None} <= customers
    assert {r["product_id"] for r in events if r["product_id"] is not None} <= products


def test_order_country_and_currency_follow_customer(data):
    country_of = {int(r["customer_id"]): r["country_code"] for r in data["customers"]}
    currency_of = dict(
        zip(
            seed_column("countries.csv", "country_code"),
            seed_column("countries.csv", "currency_code"),
            strict=True,
        )
    )
    for order in data["orders"]:
        assert order["country_code"] == country_of[order["customer_id"]]
        assert order["currency"] == currency_of[order["country_code"]]


def test_value_domains(data):
    countries = set(seed_column("countries.csv", "country_code"))
    channels = set(seed_column("channels.csv", "channel_code"))
    assert {r["country_code"] for r in data["customers"]} <= countries
    assert {r["segment"] for r in data["customers"]} == {"consumer", "small_business", "corporate"}
    assert {r["channel"] for r in data["orders"]} == channels
    assert {r["status"] for r in data["orders"]} == {
        "placed",
        "shipped",
        "delivered",
        "cancelled",
        "returned",
    }
    assert {r["channel"] for r in data["web_events"]} <= channels - {"call_center"}
    assert {r["event_type"] for r in data["web_events"]} == {
        "page_view",
        "product_view",
        "add_to_cart",
        "checkout",
        "purchase",
        "search",
    }
    for entity in ("customers", "products", "orders", "order_lines"):
        assert {r["op"] for r in data[entity]} == {"insert"}, entity


def test_discounts_are_below_gross_and_on_about_a_fifth_of_lines(data):
    lines = data["order_lines"]
    for line in lines:
        gross = line["quantity"] * Decimal(str(line["unit_price"]))
        discount = Decimal(str(line["discount_amount"]))
        assert Decimal(0) <= discount < gross
    share = sum(line["discount_amount"] > 0 for line in lines) / len(lines)
    assert 0.15 < share < 0.25


def test_timestamps_inside_window(data):
    first, last = f"{START}T00:00:00", f"{END}T23:59:59"
    for entity, field in (("orders", "order_ts"), ("web_events", "event_ts")):
        values = [r[field] for r in data[entity]]
        assert first <= min(values) and max(values) <= last, entity
    assert max(r["updated_at"] for r in data["orders"]) <= last
    for order in data["orders"]:
        assert order["order_ts"] <= order["updated_at"]


def test_signup_precedes_first_order(data):
    first_order: dict[int, str] = {}
    for order in data["orders"]:
        cid = order["customer_id"]
        first_order[cid] = min(first_order.get(cid, order["order_ts"]), order["order_ts"])
    for customer in data["customers"]:
        cid = int(customer["customer_id"])
        if cid in first_order:
            assert customer["updated_at"] <= first_order[cid]
            assert customer["signup_date"] <= first_order[cid][:10]


def test_web_events_product_ids_and_anonymous_share(data):
    events = data["web_events"]
    for event in events:
        about_product = event["event_type"] in {"product_view", "add_to_cart"}
        assert (event["product_id"] is not None) == about_product, event
    anonymous = sum(e["customer_id"] is None for e in events) / len(events)
    assert 0.2 < anonymous < 0.4
    sessions = Counter(e["session_id"] for e in events)
    assert 3.5 < len(events) / len(sessions) < 6.5
    for session_events in _by_session(events).values():
        customers = {e["customer_id"] for e in session_events}
        assert len(customers) == 1, "a session belongs to one visitor"
        assert len({(e["channel"], e["device"]) for e in session_events}) == 1


def _by_session(events: list[dict]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for event in events:
        grouped.setdefault(event["session_id"], []).append(event)
    return grouped


# --------------------------------------------------------------------------- realism


def test_order_shape(data):
    lines_per_order = Counter(r["order_id"] for r in data["order_lines"])
    assert set(lines_per_order.values()) == {1, 2, 3, 4, 5}
    assert 2.2 < len(data["order_lines"]) / len(data["orders"]) < 2.8
    quantities = [r["quantity"] for r in data["order_lines"]]
    assert sum(q <= 3 for q in quantities) / len(quantities) > 0.85
    statuses = Counter(r["status"] for r in data["orders"])
    assert statuses.most_common(1)[0][0] == "delivered"
    assert statuses["delivered"] / len(data["orders"]) > 0.7
    assert (statuses["cancelled"] + statuses["returned"]) / len(data["orders"]) < 0.15


def test_weekends_differ_from_weekdays(data):
    per_day = Counter(r["order_ts"][:10] for r in data["orders"])
    weekend = [n for d, n in per_day.items() if dt.date.fromisoformat(d).weekday() >= 5]
    weekday = [n for d, n in per_day.items() if dt.date.fromisoformat(d).weekday() < 5]
    ratio = (sum(weekend) / len(weekend)) / (sum(weekday) / len(weekday))
    assert ratio > 1.1, ratio


def test_product_popularity_follows_a_power_law(data):
    sales = Counter(r["product_id"] for r in data["order_lines"])
    counts = sorted(sales.values(), reverse=True)
    top = max(1, len(data["products"]) // 10)
    share = sum(counts[:top]) / len(data["order_lines"])
    assert share > 0.35, share  # uniform popularity would give ~0.10


def test_customer_order_counts_are_skewed(data):
    orders = Counter(r["customer_id"] for r in data["orders"])
    counts = sorted(orders.values(), reverse=True)
    top = len(data["customers"]) // 10
    assert sum(counts[:top]) / len(data["orders"]) > 0.25


def test_countries_weighted_towards_large_markets(data):
    countries = Counter(r["country_code"] for r in data["customers"])
    assert {c for c, _ in countries.most_common(3)} == {"US", "GB", "DE"}
    assert countries.most_common(1)[0][0] == "US"


# --------------------------------------------------------------------------- config and CLI


def test_scenario_volumes_and_default_window(monkeypatch):
    monkeypatch.setattr(config_module, "utc_today", lambda: END)
    small = resolve_config("small")
    assert (small.customers, small.products, small.orders, small.web_events) == (
        2_000,
        200,
        20_000,
        100_000,
    )
    assert (small.start_date, small.end_date, small.days) == (START, END, 90)
    medium = resolve_config("medium")
    assert medium.orders == 1_000_000 and medium.days == 365
    large = resolve_config("large")
    assert large.orders == 10 * SCENARIOS["medium"].orders


def test_rows_override_scales_other_entities():
    config = resolve_config("medium", rows=10_000)
    assert (config.customers, config.products, config.orders, config.web_events) == (
        1_000,
        50,
        10_000,
        50_000,
    )


def test_one_date_bound_derives_the_other():
    config = resolve_config("small", start_date=dt.date(2024, 1, 1))
    assert config.end_date == dt.date(2024, 3, 30)
    config = resolve_config("small", end_date=dt.date(2024, 3, 30))
    assert config.start_date == dt.date(2024, 1, 1)


# --------------------------------------------------------------------------- window ending today
# The clock is patched through `utc_today`, the generator's only clock read.

TODAY = dt.date(2031, 6, 15)  # a fake "today", far from the real one


def today_is(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(config_module, "utc_today", lambda: day)


def manifest_window(root: Path) -> tuple[str, str]:
    manifest = json.loads((root / "_manifest.json").read_text())
    return manifest["start_date"], manifest["end_date"]


def test_utc_today_is_a_utc_date():
    before = dt.datetime.now(dt.timezone.utc).date()
    today = utc_today()
    after = dt.datetime.now(dt.timezone.utc).date()
    assert type(today) is dt.date and today in {before, after}


def test_default_window_ends_today_utc(monkeypatch):
    today_is(monkeypatch, TODAY)
    for scenario, spec in SCENARIOS.items():
        config = resolve_config(scenario)
        assert config.end_date == TODAY, scenario
        assert config.start_date == TODAY - dt.timedelta(days=spec.days - 1), scenario
    # CDC batches follow the window: it ends earlier so that the last batch is today.
    config = resolve_config("small", batches=3)
    assert config.end_date == TODAY - dt.timedelta(days=3)
    assert config.batch_date(3) == TODAY


def test_default_cli_run_ends_today_utc(monkeypatch, tmp_path: Path):
    today_is(monkeypatch, TODAY)
    code, output = run_generate("--rows", "50", "--output", str(tmp_path / "out"))
    assert code == 0, output
    start = TODAY - dt.timedelta(days=SCENARIOS["small"].days - 1)
    assert manifest_window(tmp_path / "out") == (start.isoformat(), TODAY.isoformat())
    assert (tmp_path / "out" / "orders" / f"batch=b0000_{start:%Y%m%d}").is_dir()


def test_explicit_dates_give_identical_bytes_on_any_day(monkeypatch, tmp_path: Path):
    args = ["--rows", "300", "--batches", "2", "--inject-anomalies", "0.05", *WINDOW]
    for name, today in (("first", TODAY), ("second", TODAY + dt.timedelta(days=40))):
        today_is(monkeypatch, today)
        code, output = run_generate(*args, "--output", str(tmp_path / name))
        assert code == 0, output
    assert file_digests(tmp_path / "first") == file_digests(tmp_path / "second")
    assert manifest_window(tmp_path / "first") == (START.isoformat(), END.isoformat())


def test_start_date_alone_ends_the_scenario_span_later(monkeypatch, tmp_path: Path):
    today_is(monkeypatch, TODAY)
    start = dt.date(2024, 1, 1)
    code, output = run_generate(
        "--rows", "50", "--start-date", start.isoformat(), "--output", str(tmp_path / "out")
    )
    assert code == 0, output
    assert manifest_window(tmp_path / "out") == ("2024-01-01", "2024-03-30")  # 90 days
    medium = resolve_config("medium", start_date=start, batches=5)
    assert medium.end_date == start + dt.timedelta(days=SCENARIOS["medium"].days - 1)


def test_manifest_dates_reproduce_a_default_run(monkeypatch, tmp_path: Path):
    """A run without dates records the resolved window; passing it back gives the same bytes."""
    today_is(monkeypatch, TODAY)
    args = ["--rows", "300", "--batches", "1"]
    code, output = run_generate(*args, "--output", str(tmp_path / "a"))
    assert code == 0, output
    start, end = manifest_window(tmp_path / "a")
    assert end == (TODAY - dt.timedelta(days=1)).isoformat()  # the window before the batch
    today_is(monkeypatch, TODAY + dt.timedelta(days=7))
    window = ["--start-date", start, "--end-date", end]
    code, output = run_generate(*args, *window, "--output", str(tmp_path / "b"))
    assert code == 0, output
    assert file_digests(tmp_path / "b") == file_digests(tmp_path / "a")


def test_resolve_config_rejects_bad_values():
    with pytest.raises(OptionError) as err:
        resolve_config("small", start_date=dt.date(2025, 2, 1), end_date=dt.date(2025, 1, 1))
    assert err.value.option == "--end-date"
    with pytest.raises(OptionError) as err:
        resolve_config("small", rows=0)
    assert err.value.option == "--rows"
    with pytest.raises(OptionError) as err:
        resolve_config("huge")
    assert err.value.option == "--scenario"


@pytest.mark.parametrize(
    ("args", "option", "hint"),
    [
        (["--start-date", "2025-02-01", "--end-date", "2025-01-01"], "--end-date", "on or after"),
        (["--rows", "0"], "--rows", "0"),
        (["--rows", "-5"], "--rows", "-5"),
        (["--scenario", "huge"], "--scenario", "small"),
        (["--start-date", "01/02/2025"], "--start-date", "%Y-%m-%d"),
        (["--seed", "-1"], "--seed", "-1"),
        (["--end-date", "0001-02-01"], "--end-date", "years 1 to 9999"),
        (["--start-date", "9999-12-01"], "--start-date", "years 1 to 9999"),
    ],
)
def test_bad_arguments_give_clear_errors(tmp_path: Path, args, option, hint):
    code, output = run_generate(*args, "--output", str(tmp_path / "out"))
    assert code == 2
    assert option in output and hint in output, output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unwritable_output_is_reported(tmp_path: Path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    code, output = run_generate("--rows", "100", "--output", str(blocker / "landing"))
    assert code == 2
    assert "--output" in output and "writable" in output, output


def test_non_empty_output_needs_force(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, output = run_generate("--rows", "100", "--output", str(out))
    assert code == 2
    assert "--output" in output and "--force" in output, output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_force_replaces_generated_data_and_keeps_other_files(tmp_path: Path):
    out = tmp_path / "out"
    assert run_generate("--rows", "100", "--output", str(out), "--seed", "1")[0] == 0
    (out / "notes.txt").write_text("keep me")
    stale = out / "orders" / "batch=b0009_20990101"
    stale.mkdir()
    code, output = run_generate("--rows", "200", "--output", str(out), "--force")
    assert code == 0, output
    assert (out / "notes.txt").read_text() == "keep me"
    assert not stale.exists(), "old generator output must not mix with the new"
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["rows_override"] == 200
    assert len(read_entity(out, "orders")) == 200


def test_failed_run_leaves_previous_output_intact(tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    assert run_generate("--rows", "100", "--output", str(out))[0] == 0
    before = file_digests(out)

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(generator_module, "build_customers", explode)
    code, _ = run_generate("--rows", "200", "--output", str(out), "--force")
    assert code != 0
    assert file_digests(out) == before


def test_generate_is_registered_on_the_main_cli():
    from lakehouse_bi.cli import main

    assert main.get_command(None, "generate") is generate


def test_large_volumes_are_split_into_parts(tmp_path: Path, monkeypatch):
    """The path `--scenario large` takes, at toy size: day-sliced parts, ids still global."""
    monkeypatch.setattr(generator_module, "MAX_ORDERS_PER_PART", 700)
    monkeypatch.setattr(generator_module, "MAX_EVENTS_PER_PART", 4000)
    config = resolve_config("small", rows=2000, seed=3, end_date=END)
    result = generate_landing(config, tmp_path)
    entities = result.batch.entities
    assert len(entities["orders"].files) >= 3
    assert len(entities["web_events"].files) >= 3
    assert len(entities["customers"].files) == 1
    for entity in ("orders", "order_lines", "web_events"):
        for i, name in enumerate(entities[entity].files):
            assert name == f"{entity}/batch={BATCH}/{entity}_{BATCH}_part{i:03d}.jsonl"
    orders = read_entity(tmp_path, "orders")
    lines = read_entity(tmp_path, "order_lines")
    events = read_entity(tmp_path, "web_events")
    assert [o["order_id"] for o in orders] == list(range(1, 2001))
    assert [r["order_line_id"] for r in lines] == list(range(1, len(lines) + 1))
    assert sorted(e["event_id"] for e in events) == list(range(1, len(events) + 1))
    assert {r["order_id"] for r in lines} == {o["order_id"] for o in orders}
    sessions = _by_session(events)
    assert all(len({e["customer_id"] for e in s}) == 1 for s in sessions.values())
    assert [o["order_ts"] for o in orders] == sorted(o["order_ts"] for o in orders)


@pytest.mark.parametrize(
    "args",
    [
        ["--rows", "1"],
        ["--rows", "50", "--start-date", "2024-02-29", "--end-date", "2024-02-29"],
    ],
)
def test_tiny_runs_still_honour_the_contract(tmp_path: Path, args):
    code, output = run_generate(*args, "--output", str(tmp_path))
    assert code == 0, output
    data = {entity: read_entity(tmp_path, entity) for entity in ENTITIES}
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    first, last = manifest["start_date"], manifest["end_date"]
    customers = {int(r["customer_id"]) for r in data["customers"]}
    assert {r["customer_id"] for r in data["orders"]} <= customers
    assert {r["order_id"] for r in data["order_lines"]} == {r["order_id"] for r in data["orders"]}
    for event in data["web_events"]:
        assert f"{first}T00:00:00" <= event["event_ts"] <= f"{last}T23:59:59"


def test_seeds_are_read_at_runtime(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "countries.csv").write_text(
        "country_code,country_name,region,currency_code\n"
        "US,United States,north_america,USD\nXX,Testland,europe,XXD\n"
    )
    (seeds / "channels.csv").write_text(
        "channel_code,channel_name,is_online\nweb,Web store,true\nkiosk,Kiosk,false\n"
    )
    out = tmp_path / "out"
    code, output = run_generate("--rows", "2000", "--output", str(out), "--seeds-dir", str(seeds))
    assert code == 0, output
    orders = read_entity(out, "orders")
    assert {o["country_code"] for o in orders} == {"US", "XX"}
    assert {o["currency"] for o in orders if o["country_code"] == "XX"} == {"XXD"}
    assert {o["channel"] for o in orders} == {"web", "kiosk"}
    assert {e["channel"] for e in read_entity(out, "web_events")} == {"web"}


def test_missing_seeds_are_reported(tmp_path: Path):
    code, output = run_generate(
        "--rows", "10", "--output", str(tmp_path / "out"), "--seeds-dir", str(tmp_path / "nope")
    )
    assert code == 2
    assert "--seeds-dir" in output and "not found" in output, output
    assert not (tmp_path / "out").exists()
