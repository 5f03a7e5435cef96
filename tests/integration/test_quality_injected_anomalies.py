"""Anomalies injected at a known rate end up exactly in quarantine, with the right reasons.

The generator's own record (`_changes.jsonl`, kind "anomaly": entity, file, reason and the
values written) is the truth. After landing an initial load and two CDC batches, each built
with `dbt build`: the quarantine tables hold exactly the injected records, each under its
reason, nothing else; conservation holds; the DQ metrics count the same records; the build
warns on the quarantine rate but does not fail, and fails once the error threshold is lowered.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from local_pipeline import FIXED_END_DATE, LocalPipeline

from lakehouse_bi.datagen.schema import ENTITIES

ANOMALY_RATE = "0.05"
KEYS = {entity: spec.key for entity, spec in ENTITIES.items()}
SILVER_TABLE = {
    "customers": "snap_customers",
    "products": "snap_products",
    "orders": "fct_order",
    "order_lines": "fct_order_line",
    "web_events": "fct_web_event",
}
WARN_TEST = "dq_scores_quarantine_rate_below_warn_threshold"
ERROR_TEST = "dq_scores_quarantine_rate_below_error_threshold"


@dataclass
class AnomalousPipeline(LocalPipeline):
    build_statuses: list[dict[str, str]] = field(default_factory=list)  # test name -> status

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    def injected(self) -> list[dict]:
        lines = (self.generated / "_changes.jsonl").read_text().splitlines()
        return [entry for entry in map(json.loads, lines) if entry["kind"] == "anomaly"]

    def test_statuses(self) -> dict[str, str]:
        results = json.loads((self.target / "run_results.json").read_text())["results"]
        return {
            result["unique_id"].split(".")[2]: result["status"]
            for result in results
            if result["unique_id"].startswith("test.")
        }


@pytest.fixture(scope="module")
def anomalous(tmp_path_factory) -> Iterator[AnomalousPipeline]:
    local = AnomalousPipeline(tmp_path_factory.mktemp("anomalous"))
    local.prepare()
    local.generate(
        2000, 5, "--batches", "2", "--inject-anomalies", ANOMALY_RATE,
        "--end-date", FIXED_END_DATE, output=local.generated,
    )  # fmt: skip
    for _ in range(3):  # the initial load, then each batch on its own
        local.run(
            "lakehouse-bi",
            "land",
            "--from",
            str(local.generated),
            "--to",
            str(local.landing),
            "--next",
            "--quiet",
        )
        local.dbt("build")  # check=True: warnings must not fail the build
        local.build_statuses.append(local.test_statuses())
    yield local


def _value(value: object) -> str:
    return "" if value is None else str(value)


def test_every_entity_got_anomalies(anomalous):
    """The data behind the other tests: every entity and batch has injected records."""
    injected = anomalous.injected()
    assert {entry["entity"] for entry in injected} == set(KEYS)
    assert len({entry["batch"] for entry in injected}) == 3


@pytest.mark.parametrize("entity", sorted(KEYS))
def test_quarantine_holds_exactly_the_injected_records(anomalous, entity):
    key = KEYS[entity]
    expected = Counter(
        (entry["file"], _value(entry["record"][key]), entry["reason"])
        for entry in anomalous.injected()
        if entry["entity"] == entity
    )
    rows = anomalous.query(
        f"select _source_file, {key}, quarantine_reasons from silver.quarantine_{entity}"
    )
    quarantined = Counter((file, _value(record_key), reasons) for file, record_key, reasons in rows)
    assert quarantined == expected


def test_conservation_holds_for_every_batch(anomalous):
    rows = anomalous.query(
        "select entity, _batch_id, quarantined, unaccounted from silver.record_conservation"
    )
    assert rows and all(unaccounted == 0 for *_, unaccounted in rows)
    injected = Counter((entry["entity"], entry["batch"]) for entry in anomalous.injected())
    quarantined = {(entity, batch): count for entity, batch, count, _ in rows if count}
    assert quarantined == dict(injected)


def test_dq_metrics_count_the_injected_records_per_check(anomalous):
    injected = Counter(
        (SILVER_TABLE[entry["entity"]], entry["reason"]) for entry in anomalous.injected()
    )
    rows = anomalous.query(
        "select table_name, check_name, sum(rows_quarantined), sum(rows_in), sum(rows_passed)"
        " from observability.dq_metrics where check_type = 'quarantine_check' group by 1, 2"
    )
    assert {(table, check): count for table, check, count, *_ in rows if count} == dict(injected)
    landed = {table: rows_in for table, _, _, rows_in, _ in rows}
    for table, check, count, rows_in, passed in rows:
        assert passed == rows_in - count, (table, check)
    for entity, table in SILVER_TABLE.items():
        records = sum(_landed_records(path) for path in anomalous.landing.glob(f"{entity}/*/*"))
        assert landed[table] == records, entity


def test_dq_scores_quarantine_rate_is_the_injected_share(anomalous):
    injected = Counter(SILVER_TABLE[entry["entity"]] for entry in anomalous.injected())
    rows = anomalous.query(
        "select table_name, rows_in, rows_quarantined, quarantine_rate, tests_run, tests_passed,"
        " dq_score from observability.dq_scores where entity is not null"
    )
    assert {row[0] for row in rows} == set(SILVER_TABLE.values())
    for table, rows_in, quarantined, rate, tests_run, tests_passed, score in rows:
        assert quarantined == injected[table], table
        assert rate == pytest.approx(injected[table] / rows_in)
        test_share = tests_passed / tests_run if tests_run else 1
        assert score == pytest.approx(100 * (1 - rate) * test_share, abs=0.005), table


def test_quarantine_rate_warns_without_failing_the_build(anomalous):
    statuses = anomalous.build_statuses[-1]
    assert statuses[WARN_TEST] == "warn"
    assert statuses[ERROR_TEST] == "pass"
    assert all(
        status == "pass" for name, status in statuses.items() if name.startswith("quarantine_")
    ), "every quarantined reason is declared in the registry (meta.checks)"


def test_quarantine_rate_above_the_error_threshold_fails(anomalous):
    completed = anomalous.dbt(
        "test",
        "--select",
        "dq_scores",
        "--vars",
        "{dq_quarantine_rate_error: 0.001}",
        check=False,
    )
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert anomalous.test_statuses()[ERROR_TEST] == "fail"


def _landed_records(path: Path) -> int:
    """Records in a landing file: CSV lines minus the header, or JSON lines."""
    lines = sum(1 for line in path.open() if line.strip())
    return lines - 1 if path.suffix == ".csv" else lines
