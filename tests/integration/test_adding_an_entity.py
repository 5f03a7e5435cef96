"""docs/LANDING.md, "Adding an entity", followed literally: every block of that section applied to
a copy of the project (the files it names and no other), payment files landed beside generated
data, and the entity checked in silver, record conservation, the DQ metrics and gold against a
computation from the landed files; a late payment in the next batch recomputes its order's day.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from local_pipeline import PROJECT, LocalPipeline
from project_copy import copy_project

from lakehouse_bi.spec.model_quality import model_problems
from lakehouse_bi.spec.project_evaluator import run_evaluator

PAGE = PROJECT / "docs/LANDING.md"
SECTION = "## Adding an entity"
STEP = re.compile(
    r"<!-- add-entity: (?P<action>create|append|insert|patch) (?P<path>\S+)"
    r'(?: before "(?P<anchor>[^"]+)")? -->\n```(?P<lang>\w+)\n(?P<body>.*?)```',
    re.S,
)


@dataclass(frozen=True)
class Step:
    action: str
    path: str
    anchor: str | None
    body: str


def page_steps() -> list[Step]:
    """The section's blocks, in order."""
    text = PAGE.read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return [Step(m["action"], m["path"], m["anchor"], m["body"]) for m in STEP.finditer(section)]


def page_file_table() -> list[str]:
    """The files the section's table names, in order."""
    text = PAGE.read_text()
    section = text[text.index(SECTION) : text.index("\n## ", text.index(SECTION) + 1)]
    return re.findall(r"^\| \d+ \| `([^`]+)` \|", section, re.M)


def apply(step: Step, project: Path) -> None:
    target = project / step.path
    if step.action == "create":
        assert not target.exists(), f"{step.path} exists already"
        target.write_text(step.body)
    elif step.action == "append":
        target.write_text(target.read_text().rstrip("\n") + "\n" + step.body)
    elif step.action == "insert":
        text = target.read_text()
        assert text.count(step.anchor) == 1, f"{step.path}: anchor not found once"
        target.write_text(text.replace(step.anchor, step.body + "\n" + step.anchor))
    else:
        subprocess.run(
            ["git", "apply", "--unsafe-paths", "-p1", "-"],
            input=step.body, text=True, cwd=project, check=True, capture_output=True,
        )  # fmt: skip


# -- the landed payment files and what they must become ----------------------------------------
def _latest_batch(landing: Path) -> str:
    """The id of the batch `land` landed last."""
    return sorted(p.name.removeprefix("batch=") for p in (landing / "orders").glob("batch=*"))[-1]


def _orders(landing: Path, batch: str) -> list[int]:
    """Valid orders inserted in a batch (the generator's injected records use ids > 1e9)."""
    path = landing / "orders" / f"batch={batch}" / f"orders_{batch}.jsonl"
    ids = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("op") == "insert" and int(record["order_id"]) < 1_000_000_000:
            ids.append(int(record["order_id"]))
    return sorted(set(ids))


def _payment(payment_id, order_id, amount, updated_at, op="insert") -> dict:
    return {
        "payment_id": payment_id, "order_id": order_id, "provider": "CardCo",
        "amount": amount, "paid_at": updated_at, "updated_at": updated_at, "op": op,
    }  # fmt: skip


def land_payments(landing: Path, batch: str, records: list[dict], bad_lines: list[str]) -> None:
    folder = landing / "payments" / f"batch={batch}"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) for r in records] + bad_lines
    (folder / f"payments_{batch}.jsonl").write_text("\n".join(lines) + "\n")


def live_paid_orders(batches: list[list[dict]]) -> dict[int, Decimal]:
    """Order id -> amount of its live payments, from the valid landed records: the latest
    version of each payment (change time, then delivery order) unless it is a delete."""
    latest: dict[int, tuple] = {}
    for position, records in enumerate(batches):
        for line, record in enumerate(records):
            rank = (record["updated_at"], position, line)
            if record["payment_id"] not in latest or rank > latest[record["payment_id"]][0]:
                latest[record["payment_id"]] = (rank, record)
    paid: dict[int, Decimal] = {}
    for _, record in latest.values():
        if record["op"] != "delete":
            paid[record["order_id"]] = paid.get(record["order_id"], Decimal(0)) + Decimal(
                record["amount"]
            )
    return paid


BAD_LINES = [
    json.dumps(_payment(900, 2_000_000_001, "5.00", "2025-12-30T10:00:00")),  # orphan_order
    json.dumps(_payment(901, None, "-5.00", "2025-12-30T10:00:00")),  # negative_amount, bad_type
    "not a json object",  # malformed_row
]


@pytest.fixture(scope="module")
def entity_added(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("adding_an_entity")
    (root / "project").mkdir()
    project = copy_project(root / "project")
    steps = page_steps()
    for step in steps:
        apply(step, project)
    local = LocalPipeline(root / "run", project=project)
    local.prepare(deps=False)
    generated = root / "generated"
    local.generate(200, 11, "--end-date", "2025-12-31", "--batches", "1", output=generated)
    local.run(
        "lakehouse-bi", "land", "--from", str(generated), "--to", str(local.landing), "--next"
    )
    batches = [_latest_batch(local.landing)]
    orders = _orders(local.landing, batches[0])
    first = [_payment(i + 1, order, "10.00", "2025-12-31T08:00:00") for i, order in
             enumerate(orders[:80])]  # fmt: skip
    land_payments(local.landing, batches[0], first, BAD_LINES)
    local.dbt("build")
    after_first = {
        "sales": dict(local.query("select distinct order_id, is_paid from gold.fct_sales")),
        "payments": local.query("select payment_id, order_id, amount from silver.fct_payment"),
        "conservation": local.query(
            "select _batch_id, landed, quarantined, unaccounted from silver.record_conservation "
            "where entity = 'payments'"
        ),
        "checks": dict(
            local.query(
                "select check_name, sum(rows_quarantined) "
                "from observability.int_dq__quarantine_checks "
                "where table_name = 'fct_payment' group by 1"
            )
        ),
        "landed": local.query(
            "select sum(rows_in), sum(rows_quarantined) from observability.int_dq__landed_records "
            "where entity = 'payments'"
        ),
    }
    # The next batch: a late payment of an old order (placed in the initial load), a delete of
    # an earlier payment, and the generator's own batch.
    local.run(
        "lakehouse-bi", "land", "--from", str(generated), "--to", str(local.landing), "--next"
    )
    batches.append(_latest_batch(local.landing))
    second = [
        _payment(100, orders[85], "20.00", "2026-01-01T09:00:00"),
        {**first[0], "updated_at": "2026-01-01T09:30:00", "op": "delete"},
    ]
    land_payments(local.landing, batches[1], second, [])
    local.dbt("build")
    manifest = json.loads((local.target / "manifest.json").read_text())
    return {
        "steps": steps,
        "project": project,
        "manifest": manifest,
        "first": after_first,
        "expected_first": live_paid_orders([first]),
        "expected_second": live_paid_orders([first, second]),
        "sales": dict(local.query("select distinct order_id, is_paid from gold.fct_sales")),
        "conservation": local.query(
            "select _batch_id, landed, quarantined, unaccounted from silver.record_conservation "
            "where entity = 'payments' order by 1"
        ),
        "orders": orders,
        "batches": batches,
    }


def test_the_page_touches_at_most_12_files_and_names_each(entity_added):
    touched = sorted({step.path for step in entity_added["steps"]})
    assert len(touched) <= 12
    assert touched == sorted(page_file_table())
    changed = subprocess.run(
        ["git", "diff", "--no-index", "--name-only", str(PROJECT / "models"),
         str(entity_added["project"] / "models")],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    assert changed.count("\n") == len([p for p in touched if p.startswith("models/")])


def test_payments_reach_silver_as_the_files_say(entity_added):
    expected = entity_added["expected_first"]
    payments = entity_added["first"]["payments"]
    assert {order for _, order, _ in payments} == set(expected)
    assert sum(Decimal(amount) for _, _, amount in payments) == sum(expected.values())


def test_payments_are_conserved_and_in_the_dq_metrics(entity_added):
    first, batches = entity_added["first"], entity_added["batches"]
    assert first["conservation"] == [(batches[0], 83, 3, 0)]
    assert entity_added["conservation"] == [(batches[0], 83, 3, 0), (batches[1], 2, 0, 0)]
    assert first["landed"] == [(83, 3)]
    checks = first["checks"]
    assert set(checks) == {
        "malformed_row", "null_key", "bad_type", "unknown_operation", "future_date",
        "negative_amount", "orphan_order",
    }  # fmt: skip
    assert (checks["malformed_row"], checks["orphan_order"], checks["negative_amount"]) == (1, 1, 1)


def test_gold_is_paid_follows_the_payments_and_a_late_one_recomputes_its_day(entity_added):
    first = entity_added["first"]["sales"]
    assert {order for order, paid in first.items() if paid} == set(entity_added["expected_first"])
    sales = entity_added["sales"]
    expected = set(entity_added["expected_second"])
    assert {order for order, paid in sales.items() if paid} == expected
    late, deleted = entity_added["orders"][85], entity_added["orders"][0]
    assert sales[late] and not first[late], "the late payment's order was recomputed"
    assert first[deleted] and not sales[deleted], "the deleted payment's order was recomputed"


def test_the_new_models_follow_the_projects_model_rules(entity_added):
    """Documented, grain-tested, grouped: the rules lakehouse-bi validate and dbt Labs'
    project evaluator apply, with no new exception (the page's files are all it takes)."""
    problems = model_problems(entity_added["manifest"])
    assert [p for p in problems if "payment" in p] == []
    run = run_evaluator(entity_added["project"], entity_added["project"] / "target/evaluator")
    assert run.problems() == []
