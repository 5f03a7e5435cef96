"""Feature flag enable_scd2 on and off, on the same small generated scenario (initial load and
two CDC batches, each landed and built): off, no snapshot exists and the dimensions hold one
current row per key with open validity; gold builds the same sales either way, with the
current attributes when history is off."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from local_pipeline import FIXED_END_DATE, LocalPipeline

BATCHES = 2
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test", "package:elementary+"]
# Elementary's artifact uploads are not what these runs check.
QUIET = {
    "disable_run_results": True,
    "disable_tests_results": True,
    "disable_dbt_artifacts_autoupload": True,
    "disable_dbt_invocation_autoupload": True,
}


def _land(generated: Path, landing: Path, batch_id: str) -> None:
    for folder in sorted(generated.glob(f"*/batch={batch_id}")):
        shutil.copytree(folder, landing / folder.parent.name / folder.name, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[bool, LocalPipeline]:
    """{flag value: pipeline} after every batch was landed and built; the last build of the
    flag-off pipeline runs the data tests too, then fct_sales is fully refreshed there."""
    root = tmp_path_factory.mktemp("scd2_flag")
    pipelines = {flag: LocalPipeline(root / str(flag).lower()) for flag in (True, False)}
    for local in pipelines.values():
        local.prepare(deps=False)
    generated = root / "generated"
    pipelines[True].run("lakehouse-bi", "deps")
    # Many customer/product changes and some deletes, so history has something to keep.
    pipelines[True].generate(
        300, 5, "--batches", str(BATCHES), "--end-date", FIXED_END_DATE,
        "--dim-change-rate", "0.3", "--dim-delete-rate", "0.05", output=generated,
    )  # fmt: skip
    batches = sorted({p.name.removeprefix("batch=") for p in generated.glob("customers/batch=*")})
    assert len(batches) == BATCHES + 1
    for index, batch in enumerate(batches):
        for flag, local in pipelines.items():
            _land(generated, local.landing, batch)
            last_off = not flag and index == len(batches) - 1
            dbt_vars = json.dumps({**QUIET, "enable_scd2": flag})
            local.dbt("build", *([] if last_off else NO_TESTS), "--vars", dbt_vars)
    # History off, an incremental fct_sales keeps the attributes a sale's window was last
    # computed with; a full refresh (what switching the flag asks for) re-joins them all.
    off_vars = json.dumps({**QUIET, "enable_scd2": False})
    pipelines[False].dbt("run", "--select", "fct_sales", "--full-refresh", "--vars", off_vars)
    return pipelines


def _relations(local: LocalPipeline) -> set[str]:
    rows = local.query("select table_schema || '.' || table_name from information_schema.tables")
    return {name for (name,) in rows}


def test_scd2_on_keeps_history_in_snapshots(builds):
    on = builds[True]
    assert {"silver.snap_customers", "silver.snap_products"} <= _relations(on)
    (versioned,) = on.query(
        "select count(*) from (select customer_id from silver.dim_customer"
        " group by customer_id having count(*) > 1)"
    )[0]
    assert versioned > 0, (
        "the CDC batches must change some customers for this test to mean anything"
    )


def test_scd2_off_builds_no_snapshot_and_type_1_dimensions(builds):
    off = builds[False]
    relations = _relations(off)
    assert not any(name.split(".")[1].startswith("snap_") for name in relations)
    for dimension, key in (("dim_customer", "customer_id"), ("dim_product", "product_id")):
        rows, keys, open_rows = off.query(
            f"select count(*), count(distinct {key}),"
            " count(*) filter (where effective_to is null and version_number = 1"
            " and join_valid_from = timestamp '1900-01-01'"
            " and join_valid_to = timestamp '9999-12-31')"
            f" from silver.{dimension}"
        )[0]
        assert rows == keys == open_rows > 0, dimension


def test_scd2_off_serves_the_current_version_of_each_key(builds):
    """Each customer's attributes with history off equal the current version with history on
    (two independent paths: the snapshot's open version vs the latest delivered record)."""
    columns = "customer_id, email, country_code, customer_segment, is_current, is_deleted"
    on = builds[True].query(
        f"select {columns} from silver.dim_customer where effective_to is null order by all"
    )
    off = builds[False].query(f"select {columns} from silver.dim_customer order by all")
    assert off == on


def test_gold_builds_the_same_sales_either_way(builds):
    totals = (
        "select count(*), sum(net_amount), count(customer_sk), count(product_sk)"
        " from gold.fct_sales"
    )
    on, off = (builds[flag].query(totals)[0] for flag in (True, False))
    assert on == off and on[0] > 0
    # History off, after the full refresh: every sale carries the customer's current segment.
    (stale,) = builds[False].query(
        "select count(*) from gold.fct_sales as sales"
        " join silver.dim_customer as customer using (customer_id)"
        " where sales.customer_segment is distinct from customer.customer_segment"
    )[0]
    assert stale == 0


def test_a_flag_value_that_is_not_a_boolean_stops_dbt(tmp_path):
    local = LocalPipeline(tmp_path)
    local.prepare(deps=False)
    completed = local.dbt("ls", "--vars", '{"enable_scd2": "flase"}', check=False)
    assert completed.returncode != 0
    assert "Feature flag var 'enable_scd2' must be true or false, got 'flase'" in completed.stdout
