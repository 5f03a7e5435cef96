"""Dirty landing input (issue 9): every case of tests/fixtures/cases/ gives its expected rows.

Each case is built as its README says: the generator's tiny data set (200 orders, 3 CDC
batches, seed 42), b0000 landed and built, then the generator's next batch with the case's
files laid over it, and built again. The expected values are the README's, written out here
row by row; every case also checks conservation (each landed line counted once).

b0000 is landed and built once for the module (`initial_load`); each case starts from a copy
of that state instead of building it again.
"""

from __future__ import annotations

import csv
import decimal
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import landed_truth
import pytest
from dirty_landing import (
    KEYS,
    MARKER,
    LaidLine,
    lay_dirty_records,
    redeliver_files,
    touched_keys,
)
from local_pipeline import PROJECT, LocalPipeline

from lakehouse_bi.entity_registry import load_registry

CASES = PROJECT / "tests" / "fixtures" / "cases"
END_DATE = "2025-12-31"  # the cases were cut from the generator's output ending this day
FAST_BUILD = [
    "--exclude", "resource_type:test", "resource_type:unit_test", "package:elementary+",
    "--vars", json.dumps({
        "disable_run_results": True,
        "disable_tests_results": True,
        "disable_dbt_artifacts_autoupload": True,
        "disable_dbt_invocation_autoupload": True,
    }),
]  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The generator's output every case starts from (not landed)."""
    local = LocalPipeline(tmp_path_factory.mktemp("cases_generated"))
    local.prepare(deps=False)
    output = local.root / "generated"
    local.generate(200, 42, "--batches", "3", "--end-date", END_DATE, output=output)
    return output


def land_batch(generated: Path, landing: Path, batch_id: str, case: str | None = None) -> None:
    """Copy the generator's batch folders, then the case's files of that batch over them."""
    for folder in sorted(generated.glob(f"*/batch={batch_id}")):
        shutil.copytree(folder, landing / folder.parent.name / folder.name, dirs_exist_ok=True)
    if case:
        for path in (CASES / case / "landing").glob(f"*/batch={batch_id}/*"):
            target = landing / path.relative_to(CASES / case / "landing")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def case_batches(case: str) -> list[str]:
    return sorted({p.name.removeprefix("batch=") for p in (CASES / case).glob("landing/*/batch=*")})


@dataclass
class InitialLoad:
    """The generator's b0000 landed and built once, the state every case starts from.

    `pristine` holds the pipeline root right after that build; a case starts from a copy
    of it (its dbt parse is shared as every test pipeline's is: local_pipeline.py).
    """

    generated: Path
    batch_id: str
    work: Path
    pristine: Path

    def fresh(self) -> LocalPipeline:
        """The initial load in `work` (whatever an earlier case left there is replaced)."""
        shutil.rmtree(self.work, ignore_errors=True)
        return self.copy(self.work)

    def copy(self, root: Path) -> LocalPipeline:
        """The initial load in another folder, for a state that outlives one test."""
        shutil.copytree(self.pristine, root, symlinks=True, dirs_exist_ok=True)
        return LocalPipeline(root)


@pytest.fixture(scope="module")
def initial_load(tmp_path_factory, generated) -> InitialLoad:
    root = tmp_path_factory.mktemp("cases_initial_load")
    local = LocalPipeline(root / "work")
    local.prepare(deps=False)
    batch_id = sorted(generated.glob("orders/batch=b0000_*"))[0].name.removeprefix("batch=")
    land_batch(generated, local.landing, batch_id)
    local.dbt("build", *FAST_BUILD)
    shutil.copytree(local.root, root / "pristine", symlinks=True)
    return InitialLoad(generated, batch_id, local.root, root / "pristine")


def build_case(
    initial: InitialLoad, case: str, then: tuple[str, ...] = (), build_each: bool = False
) -> LocalPipeline:
    """b0000 built (the shared initial load), the case's batches landed (built one by one
    when `build_each`), built, then the generator's batches `then`, each built."""
    local = initial.fresh()
    for batch_id in case_batches(case):
        land_batch(initial.generated, local.landing, batch_id, case)
        if build_each:
            local.dbt("build", *FAST_BUILD)
    if not build_each:
        local.dbt("build", *FAST_BUILD)
    for batch_id in then:
        land_batch(initial.generated, local.landing, batch_id)
        local.dbt("build", *FAST_BUILD)
    return local


def quarantined(local: LocalPipeline, entity: str) -> dict[int | None, str]:
    key = {"customers": "customer_id", "products": "product_id", "orders": "order_id",
           "order_lines": "order_line_id"}[entity]  # fmt: skip
    rows = local.query(
        f"select {key}_text, quarantine_reasons from silver.quarantine_{entity} "
        "where _batch_id > 'b0000'"
    )
    return {(int(k) if k and k.isdigit() else k): reasons for k, reasons in rows}


def assert_conserved(local: LocalPipeline) -> None:
    rows = local.query(
        "select entity, _batch_id, unaccounted, not_applied from silver.record_conservation "
        "where unaccounted != 0 or not_applied != 0"
    )
    assert rows == []


def test_csv_row_with_a_field_too_many_is_quarantined_and_the_others_land(initial_load):
    """csv-unquoted-comma: the 2 good updates land, the bad row is `malformed_row` with its
    file and line, the header stays line 1, and the raw row reaches no log."""
    local = build_case(initial_load, "csv-unquoted-comma")
    emails = dict(local.query(
        "select customer_id, email from silver.int_customers__current where customer_id in (1, 2)"
    ))  # fmt: skip
    assert emails == {1: "kathryn.taylor.new@gmail.com", 2: "john.mcgee.new@gmail.com"}
    bad = local.query(
        "select _source_file, _source_line, quarantine_reasons, customer_id_text, "
        "_corrupt_record is not null from silver.quarantine_customers where _batch_id > 'b0000'"
    )
    assert bad == [
        ("customers/batch=b0001_20260101/customers_b0001_20260101.csv", 4, "malformed_row", None,
         True),
    ]  # fmt: skip
    # Customer 5 keeps its initial version: nothing of the bad row was applied.
    assert local.query(
        "select _batch_id like 'b0000%' from silver.int_customers__current where customer_id = 5"
    ) == [(True,)]
    conservation = local.query(
        "select landed, quarantined, applied from silver.record_conservation "
        "where entity = 'customers' and _batch_id = 'b0001_20260101'"
    )
    assert conservation == [(3, 1, 2)]
    assert_conserved(local)
    raw_text = "Kenneth Springs"
    for path in [*local.root.glob("logs/**/*"), *local.target.glob("*.json")]:
        if path.is_file():
            assert raw_text not in path.read_text(errors="ignore"), path
    # Elementary keeps no failing-row samples of a table holding raw lines: each is tagged pii.
    manifest = json.loads((local.target / "manifest.json").read_text())
    holding_raw = [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "_corrupt_record" in node["columns"]
    ]  # fmt: skip
    assert len(holding_raw) >= 15  # bronze, staging, checked feeds, quarantines
    assert all("pii" in node["tags"] for node in holding_raw)


def test_timestamps_with_offsets_are_converted_to_utc(initial_load):
    """ts-offset: `+02:00` and `Z` are converted to UTC; the order date follows."""
    local = build_case(initial_load, "ts-offset")
    orders = local.query(
        "select order_id, cast(ordered_at as varchar), cast(updated_at as varchar), "
        "cast(order_date as varchar) from silver.fct_order where order_id in (9001, 9002) "
        "order by 1"
    )
    assert orders == [
        (9001, "2025-12-31 23:30:00", "2025-12-31 23:30:00", "2025-12-31"),
        (9002, "2026-01-01 10:00:00", "2026-01-01 10:00:00", "2026-01-01"),
    ]
    sales = local.query(
        "select order_line_id, cast(order_date as varchar) from gold.fct_sales "
        "where order_id in (9001, 9002) order by 1"
    )
    assert sales == [(90011, "2025-12-31"), (90021, "2026-01-01")]
    assert quarantined(local, "orders") == {}
    assert_conserved(local)


def test_future_change_time_is_quarantined_and_never_blocks_later_changes(initial_load, generated):
    """future-watermark: updated_at 2062 is `future_date`; b0002's on-time changes apply."""
    local = build_case(initial_load, "future-watermark", then=("b0002_20260102",))
    assert quarantined(local, "orders") == {189: "future_date"}
    b0002 = {
        json.loads(line)["order_id"]: json.loads(line)
        for line in (generated / "orders/batch=b0002_20260102/orders_b0002_20260102.jsonl")
        .read_text().splitlines()
    }  # fmt: skip
    assert {186, 187, 203} <= set(b0002)
    applied = dict(local.query(
        "select order_id, order_status from silver.fct_order where _batch_id = 'b0002_20260102'"
    ))  # fmt: skip
    live = {k: v["status"] for k, v in b0002.items() if v["op"] != "delete"}
    assert applied == live
    assert local.query("select count(*) from gold.fct_sales where order_id = 203")[0][0] > 0
    assert local.query(
        "select _batch_id like 'b0000%' from silver.fct_order where order_id = 189"
    ) == [(True,)]
    assert_conserved(local)


def test_equal_change_times_go_to_the_later_delivery_everywhere(initial_load):
    """same-ts-tie: the later delivery (batch, then file, then line) wins in the facts, the
    current table and the SCD2 history, each batch built on its own."""
    local = build_case(initial_load, "same-ts-tie", build_each=True)
    assert local.query("select order_status from silver.fct_order where order_id = 197") == [
        ("cancelled",)
    ]
    assert local.query("select email from silver.int_customers__current where customer_id = 2") == [
        ("john.mcgee@proton.me",)
    ]
    history = local.query(
        "select email, is_current from silver.dim_customer where customer_id = 2 "
        "order by version_number"
    )
    assert [email for email, _ in history[-2:]] == [
        "john.mcgee@fastmail.com", "john.mcgee@proton.me",
    ]  # fmt: skip
    assert [current for _, current in history] == [False] * (len(history) - 1) + [True]
    assert_conserved(local)


def test_cdc_operation_codes_are_normalised_and_unknown_ones_quarantined(initial_load):
    """cdc-op-codes: `D` and `DELETE ` delete, `c` inserts, a missing op is quarantined
    `unknown_operation` (with its line), nothing vanishes."""
    local = build_case(initial_load, "cdc-op-codes")
    orders = {row[0] for row in local.query(
        "select order_id from silver.fct_order where order_id in (150, 151, 9102, 9103)"
    )}  # fmt: skip
    assert orders == {9103}
    lines = {row[0] for row in local.query(
        "select order_line_id from silver.fct_order_line "
        "where order_line_id in (390, 391, 91021, 91031)"
    )}  # fmt: skip
    assert lines == {91031}
    assert quarantined(local, "orders") == {9102: "unknown_operation"}
    line_reasons = quarantined(local, "order_lines")
    assert set(line_reasons) == {91021}
    assert "unknown_operation" in line_reasons[91021].split(",")
    assert local.query("select count(*) from gold.fct_sales where order_id in (150, 151)") == [(0,)]
    deletes = local.query(
        "select entity, deletes_applied from silver.record_conservation "
        "where _batch_id = 'b0001_20260101' and entity in ('orders', 'order_lines') order by 1"
    )
    assert all(applied >= 2 for _, applied in deletes)
    assert_conserved(local)


def test_values_not_in_the_contracts_literal_form_are_bad_type(initial_load):
    """number-date-formats: grouped, comma-decimal, underscore and hex numbers, `N/A`
    booleans, US dates and `2nd` are `bad_type`, never loaded as NULL."""
    local = build_case(initial_load, "number-date-formats")
    assert quarantined(local, "products") == {k: "bad_type" for k in (1, 2, 3, 4, 5)}
    assert quarantined(local, "customers") == {7: "bad_type"}
    assert quarantined(local, "order_lines") == {527: "bad_type"}
    # Nothing of them reached silver: every product keeps a non-null price and flag.
    assert local.query(
        "select count(*) from silver.int_products__current "
        "where list_price is null or is_active is null"
    ) == [(0,)]
    assert local.query("select count(*) from silver.fct_order_line where line_number is null") == [
        (0,)
    ]
    assert_conserved(local)


def test_one_email_definition_accepts_international_domains_and_refuses_whitespace(initial_load):
    """unicode-email: non-ASCII names and domains are valid; an e-mail with a tab is not."""
    local = build_case(initial_load, "unicode-email")
    assert quarantined(local, "customers") == {11: "invalid_email"}
    emails = dict(local.query(
        "select customer_id, email from silver.int_customers__current "
        "where customer_id in (8, 9, 10, 12)"
    ))  # fmt: skip
    assert emails == {
        8: "soren.odegard@почта.рф",
        9: "zoe.nunez@bücher.de",
        10: "bouchet.thomas.10@shop.museum",
        12: "li.wei@example.com.cn",
    }
    names = dict(local.query(
        "select customer_id, first_name from silver.int_customers__current "
        "where customer_id in (8, 10, 12)"
    ))  # fmt: skip
    assert names == {8: "Søren", 10: "Thomas 🌸", 12: "李"}
    assert_conserved(local)


def test_a_file_name_is_ingested_once_on_incremental_runs_and_full_refreshes(tmp_path_factory):
    """Re-delivered files (every batch from b0002 on re-sends the previous orders file), all
    landed before one build: each record is applied once, the copies are counted as
    `redelivered`, and a full refresh decides the same."""
    local = LocalPipeline(tmp_path_factory.mktemp("redelivered"))
    local.prepare(deps=False)
    local.generate(100, 1, "--batches", "2", "--redeliver-rate", "1", "--end-date", END_DATE)
    copies = json.loads((local.landing / "_manifest.json").read_text())["batches"][2]
    redelivered = copies["redelivered"]
    assert redelivered, "the generator re-delivered nothing: the test would prove nothing"
    copy_lines = {
        item["original"]: len((local.landing / item["file"]).read_text().splitlines())
        for item in redelivered
    }
    local.dbt("build", *FAST_BUILD)

    def state() -> tuple:
        return (
            local.query("select * exclude (_ingested_at) from silver.fct_order order by all"),
            local.query(
                "select _source_file, count(*), bool_and(_is_redelivered) "
                "from bronze.bronze_orders group by 1 order by 1"
            ),
            local.query(
                "select entity, _batch_id, landed, redelivered, unaccounted "
                "from silver.record_conservation order by all"
            ),
        )

    incremental = state()
    _, bronze_files, conservation = incremental
    assert local.query("select count(*) - count(distinct order_id) from silver.fct_order") == [(0,)]
    flagged = {path: count for path, count, is_copy in bronze_files if is_copy}
    assert sorted(flagged.values()) == sorted(copy_lines.values())
    assert all(path.startswith("orders/batch=b0002") for path in flagged)
    orders_b0002 = [row for row in conservation if row[:2] == ("orders", copies["batch_id"])]
    assert orders_b0002[0][3] == sum(copy_lines.values())
    assert all(unaccounted == 0 for *_, unaccounted in conservation)
    local.dbt("build", "--full-refresh", *FAST_BUILD)
    assert state() == incremental


def test_malformed_lines_are_quarantined_with_their_line_and_the_others_land(
    initial_load, generated
):
    """More instances of the malformed-row class: a CSV with a BOM and CRLF line ends holding
    a row with too few fields, an unterminated quote, an over-long record and an empty line;
    a JSON lines file holding a truncated object, an array and plain text. Each bad line is
    `malformed_row` with its line (non-empty lines, header = 1); the good lines land,
    a quoted field keeps its comma and doubled quotes."""
    local = initial_load.fresh()
    initial = initial_load.batch_id
    customers_file = next(generated.glob(f"customers/batch={initial}/*.csv"))
    with customers_file.open(newline="") as handle:
        first, second = list(csv.DictReader(handle))[:2]
    header = list(first)

    def csv_line(row: dict) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([row[c] for c in header])
        return buffer.getvalue()

    changed = "2026-01-01T08:00:00"
    good_first = {**first, "email": "first.changed@example.com", "updated_at": changed,
                  "op": "update"}  # fmt: skip
    good_second = {**second, "street_address": '12 "Main" St, Apt 4', "updated_at": changed,
                   "op": "update"}  # fmt: skip
    long_row = {**second, "street_address": "x" * 2000, "updated_at": changed, "op": "update"}
    lines = [
        "\ufeff" + ",".join(header),  # line 1: the header, after a byte-order mark
        csv_line(good_first),  # line 2
        f"{first['customer_id']},Only,Three",  # line 3: too few fields
        "",  # an empty line: not counted
        f'{second["customer_id"]},"Ann,Lee,x@example.com',  # line 4: unterminated quote
        csv_line(long_row),  # line 5: over var landing_max_record_chars
        csv_line(good_second),  # line 6
    ]
    folder = local.landing / "customers" / "batch=b0001_20260101"
    folder.mkdir(parents=True)
    (folder / "customers_b0001_20260101.csv").write_bytes("\r\n".join(lines).encode() + b"\r\n")
    order = json.loads(
        next(generated.glob(f"orders/batch={initial}/*.jsonl")).read_text().splitlines()[0]
    )
    order_lines = [
        json.dumps({**order, "status": "cancelled", "updated_at": changed, "op": "update"}),
        '{"order_id": 5, "status": ',  # line 2: truncated
        "[1, 2]",  # line 3: not an object
        "not json at all",  # line 4
    ]
    folder = local.landing / "orders" / "batch=b0001_20260101"
    folder.mkdir(parents=True)
    (folder / "orders_b0001_20260101.jsonl").write_text("\n".join(order_lines) + "\n")
    local.dbt("build", *FAST_BUILD[:-2], "--vars", json.dumps({
        **json.loads(FAST_BUILD[-1]), "landing_max_record_chars": 1000,
    }))  # fmt: skip

    def malformed(entity: str) -> list[tuple]:
        return local.query(
            f"select _source_line, quarantine_reasons, _corrupt_record is not null "
            f"from silver.quarantine_{entity} where _batch_id = 'b0001_20260101' order by 1"
        )

    assert malformed("customers") == [(line, "malformed_row", True) for line in (3, 4, 5)]
    assert malformed("orders") == [(line, "malformed_row", True) for line in (2, 3, 4)]
    current = dict(local.query(
        "select customer_id, email || ' | ' || street_address from silver.int_customers__current "
        f"where customer_id in ({first['customer_id']}, {second['customer_id']})"
    ))  # fmt: skip
    assert current == {
        int(first["customer_id"]): f"first.changed@example.com | {first['street_address']}",
        int(second["customer_id"]): f'{second["email"]} | 12 "Main" St, Apt 4',
    }
    assert local.query(
        f"select order_status from silver.fct_order where order_id = {order['order_id']}"
    ) == [("cancelled",)]
    assert local.query(
        "select entity, landed, quarantined, applied from silver.record_conservation "
        "where _batch_id = 'b0001_20260101' and entity in ('customers', 'orders') order by 1"
    ) == [("customers", 5, 3, 2), ("orders", 4, 3, 1)]
    assert_conserved(local)


# --- Every dirty class at the start, middle and end of every entity's file (issue 19) -------
# One landing root, one build: the initial load built, then the generator's b0001 with bad
# records of every class laid into each entity's file (dirty_landing.py) and a copy of each
# entity's initial file in the b0001 folder (a re-delivery across runs), b0002, and b0003
# holding copies of b0002's files too (a re-delivery within one run).

BUILD = [
    "--exclude", "package:elementary+", "test_name:column_anomalies",
    "test_name:freshness_anomalies", "test_name:schema_changes", "test_name:volume_anomalies",
]  # fmt: skip


@dataclass
class DirtyBuild:
    local: LocalPipeline
    laid: list[LaidLine]
    clean: Path  # the same landing root without the bad lines
    incremental: dict[str, list[tuple]]  # compared tables after the incremental build
    build_results: dict


COMPARED = [
    "silver.fct_order", "silver.fct_order_line", "silver.fct_web_event",
    "silver.int_customers__current", "silver.int_products__current",
    *(f"silver.{entity.quarantine_model}" for entity in load_registry().values()),
    "silver.record_conservation", "gold.fct_sales", "gold.sales_dashboard_metrics",
]  # fmt: skip


def compared_tables(local: LocalPipeline) -> dict[str, list[tuple]]:
    """Every compared table's rows without the columns that say when a run happened."""
    tables = {}
    for name in COMPARED:
        schema, table = name.split(".")
        columns = [
            c for (c,) in local.query(
                "select column_name from information_schema.columns where table_schema = "
                f"'{schema}' and table_name = '{table}' order by ordinal_position"
            ) if c not in ("_ingested_at", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")
        ]  # fmt: skip
        quoted = ", ".join(f'"{c}"' for c in columns)
        tables[name] = local.query(f"select {quoted} from {name} order by all")
    return tables


@pytest.fixture(scope="module")
def dirty_build(tmp_path_factory, generated, initial_load) -> DirtyBuild:
    local = initial_load.copy(tmp_path_factory.mktemp("dirty_every_class"))
    batches = sorted({p.name.removeprefix("batch=") for p in generated.glob("*/batch=*")})
    initial, first, second, third = batches
    assert initial == initial_load.batch_id
    for batch_id in (first, second, third):
        land_batch(generated, local.landing, batch_id)
    laid = lay_dirty_records(local.landing, first, touched_keys(generated))
    redeliver_files(local.landing, batches)
    clean = local.root / "landing_clean"
    shutil.copytree(local.landing, clean)
    bad = {(line.source_file, line.source_line) for line in laid if line.reason}
    for source_file in {source_file for source_file, _ in bad}:
        path = clean / source_file
        lines = path.read_text(encoding="utf-8").split("\n")
        kept = [text for number, text in enumerate(lines, start=1)
                if (source_file, number) not in bad]  # fmt: skip
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    completed = local.dbt("build", *BUILD, "--vars", FAST_BUILD[-1], check=False)
    results = json.loads((local.target / "run_results.json").read_text())
    assert completed.returncode == 0, [
        (r["unique_id"], r["status"]) for r in results["results"]
        if r["status"] not in ("success", "pass", "warn")
    ]  # fmt: skip
    return DirtyBuild(local, laid, clean, compared_tables(local), results)


def test_every_bad_record_is_quarantined_with_its_file_and_line(dirty_build):
    """Each bad line of each class, at each position, is in its entity's quarantine with its
    file, line and reason; nothing else of the batch is quarantined."""
    local = dirty_build.local
    for entity in KEYS:
        laid = [line for line in dirty_build.laid if line.entity == entity and line.reason]
        assert {line.label.split("@")[1] for line in laid} == {"start", "middle", "end"}
        rows = local.query(
            f"select _source_file, _source_line, quarantine_reasons from silver.quarantine_{entity}"
            " where _batch_id > 'b0000'"
        )
        found = {(source_file, line): reasons.split(",") for source_file, line, reasons in rows}
        assert set(found) == {(line.source_file, line.source_line) for line in laid}, entity
        for line in laid:
            reasons = found[(line.source_file, line.source_line)]
            assert line.reason in reasons, (line.label, reasons)
            if line.reason == "malformed_row":
                assert reasons == ["malformed_row"], line.label


def test_the_good_records_around_them_are_applied(dirty_build):
    """The valid changes laid beside the bad records (internationalised e-mail domains
    included) are the current state of their keys."""
    current = {
        "customers": "select customer_id, email from silver.int_customers__current",
        "products": "select product_id, list_price from silver.int_products__current",
        "orders": "select order_id, order_status from silver.fct_order",
        "order_lines": "select order_line_id, quantity from silver.fct_order_line",
        "web_events": "select event_id, page_url from silver.fct_web_event",
    }
    for entity, sql in current.items():
        state = dict(dirty_build.local.query(sql))
        valid = [line for line in dirty_build.laid if line.entity == entity and not line.reason]
        assert len(valid) == 3
        for line in valid:
            expected = decimal.Decimal(line.value) if entity == "products" else line.value
            assert state[line.key] == expected, (entity, line.key)


def test_gold_equals_the_landed_files_without_the_bad_lines(dirty_build):
    """Gold on the dirty landing root equals the independent computation (landed_truth.py)
    on the same files with the bad lines removed: every good record counted once, the
    re-delivered files not at all."""
    expected = landed_truth.dashboard_metrics(dirty_build.clean)
    rows = dirty_build.local.query(
        "select metric_date, country_code, channel_code, category, revenue, orders, units, "
        "customers, average_order_value from gold.sales_dashboard_metrics"
    )
    actual = {tuple(row[:4]): dict(zip(
        ("revenue", "orders", "units", "customers", "average_order_value"), row[4:], strict=True
    )) for row in rows}  # fmt: skip
    assert actual == expected


def test_redelivered_files_are_counted_once_in_and_across_runs(dirty_build):
    """A copy of a file under a later batch folder: its records are `redelivered` in
    conservation (counted from the files here), never quarantined or applied again, and
    every landed record is accounted for."""
    landing = dirty_build.local.landing
    expected: dict[tuple[str, str], int] = {}
    for entity in KEYS:
        seen: set[str] = set()
        for path in sorted(landing.glob(f"{entity}/batch=*/*")):
            if path.name in seen:
                lines = [t for t in path.read_text(encoding="utf-8").split("\n") if t.strip()]
                batch = path.parent.name.removeprefix("batch=")
                count = len(lines) - (1 if path.suffix == ".csv" else 0)
                expected[(entity, batch)] = expected.get((entity, batch), 0) + count
            seen.add(path.name)
    rows = dirty_build.local.query(
        "select entity, _batch_id, redelivered, unaccounted, not_applied "
        "from silver.record_conservation"
    )
    redelivered = {(entity, batch): count for entity, batch, count, _, _ in rows if count}
    assert redelivered == {k: v for k, v in expected.items() if v}
    assert {entity for entity, _ in redelivered} == set(KEYS)
    assert all(unaccounted == 0 and not_applied == 0 for *_, unaccounted, not_applied in rows)
    # A copy's name carries an earlier batch id than its folder: none is quarantined.
    copies = dirty_build.local.query(" union all ".join(
        f"select count(*) from silver.quarantine_{entity} "
        "where regexp_extract(_source_file, '[^/]+$', 0) not like '%' || _batch_id || '%'"
        for entity in KEYS
    ))  # fmt: skip
    assert copies == [(0,)] * len(KEYS)


def test_a_full_refresh_decides_the_same_and_no_record_reaches_a_log(dirty_build):
    """The same files after `--full-refresh`: every compared silver and gold table is equal
    to the incremental build; no bad record's text is in a log or artifact."""
    local = dirty_build.local
    local.dbt("build", "--full-refresh", *FAST_BUILD)
    assert compared_tables(local) == dirty_build.incremental
    for path in [*local.root.glob("logs/**/*"), *local.target.glob("*.json")]:
        if path.is_file():
            assert MARKER not in path.read_text(errors="ignore"), path


def test_only_a_file_that_is_not_utf8_fails_and_its_error_names_it_without_content(
    dirty_build,
):
    """The one landing input that may fail a build: a file that is not UTF-8 text. The
    error names the file and what to do, quotes none of it, and nothing is loaded."""
    local = dirty_build.local
    folder = local.landing / "customers" / "batch=b0004_20260104"
    folder.mkdir(parents=True)
    latin1 = folder / "customers_b0004_20260104.csv"
    header = (local.landing / dirty_build.laid[0].source_file).read_text().split("\n")[0]
    latin1.write_bytes(f"{header}\n1,J\xe9r\xf4me,{MARKER}\n".encode("latin-1"))
    before = local.query("select count(*) from bronze.bronze_customers")
    try:
        completed = local.dbt("run", "-s", "bronze_customers", check=False)
    finally:
        shutil.rmtree(folder)
    assert completed.returncode == 1
    output = completed.stdout + completed.stderr
    assert "customers/batch=b0004_20260104/customers_b0004_20260104.csv" in output
    assert "are not UTF-8 text" in output and "re-deliver" in output
    assert MARKER not in output and "J" + "\ufffd" not in output
    for path in local.root.glob("logs/**/*"):
        if path.is_file():
            assert MARKER not in path.read_text(errors="ignore"), path
    assert local.query("select count(*) from bronze.bronze_customers") == before


def test_file_names_with_quotes_semicolons_and_pipes_are_read_as_names(dirty_build):
    """Landing paths reach SQL as string literals only (sql_string_literal, per engine): a
    file named with a quote, a semicolon and `||` is ingested under its own name, its
    records counted; none of it is evaluated as SQL (issue 24)."""
    local = dirty_build.local
    folder = local.landing / "web_events" / "batch=b0004_20260104"
    folder.mkdir(parents=True)
    names = ["web_events_b0004_20260104'; drop table bronze.bronze_orders; --.jsonl",
             "web_events_b0004_20260104' || 'x.jsonl"]  # fmt: skip
    initial = next(local.landing.glob("web_events/batch=b0000_*/*.jsonl"))
    template = json.loads(initial.read_text().split("\n")[0])
    for offset, name in enumerate(names):
        event = {**template, "event_id": 2_800_000_000 + offset, "session_id": 7,
                 "event_ts": "2026-01-04T09:00:00"}  # fmt: skip
        (folder / name).write_text(json.dumps(event) + "\n", encoding="utf-8")
    orders = local.query("select count(*) from bronze.bronze_orders")
    try:
        local.dbt("run", "-s", "bronze_web_events", "--vars", FAST_BUILD[-1])
        rows = local.query(
            "select _source_file, count(*) from bronze.bronze_web_events "
            "where _batch_id = 'b0004_20260104' group by 1 order by 1"
        )
    finally:
        shutil.rmtree(folder)
    assert rows == sorted((f"web_events/batch=b0004_20260104/{name}", 1) for name in names)
    assert local.query("select count(*) from bronze.bronze_orders") == orders
