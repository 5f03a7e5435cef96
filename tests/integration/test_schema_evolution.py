"""Schema evolution of landing files (issue 3): each mode on a batch whose files add a column,
drop a column and widen a type -- a JSON entity (order_lines) and a CSV one (customers).

strict fails naming file, column and change; permissive loads the declared columns only;
auto_fix grows bronze and absorbs the widening. Every change lands in
observability.schema_change_log, and no row loaded before the batch changes in any mode.
The last test records the Databricks SQL of the same detection through the real adapter.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from local_pipeline import FIXED_END_DATE, PROJECT, LocalPipeline

BATCH = "b9999_20991231"  # sorts after any generated batch
MODELS = ("bronze_order_lines", "bronze_customers")
LOG = "observability.schema_change_log"
LINE_FILE = f"order_lines/batch={BATCH}/order_lines_{BATCH}.jsonl"
CUSTOMER_FILE = f"customers/batch={BATCH}/customers_{BATCH}.csv"
DECLARED = {
    "bronze_order_lines": [
        "order_line_id",
        "order_id",
        "line_number",
        "product_id",
        "quantity",
        "unit_price",
        "discount_amount",
        "updated_at",
        "op",
    ],
    "bronze_customers": [
        "customer_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "street_address",
        "city",
        "postal_code",
        "country_code",
        "segment",
        "signup_date",
        "updated_at",
        "op",
    ],
}
INGESTION = [
    "_corrupt_record",
    "_source_file",
    "_source_line",
    "_batch_id",
    "_is_redelivered",
    "_ingested_at",
]
# The drift batch: (column, change kind, old type, new type) per landing file.
EXPECTED_CHANGES = {
    ("gift_wrap", "column_added", None, "string", LINE_FILE),
    ("discount_amount", "column_dropped", "double", None, LINE_FILE),
    ("quantity", "type_widened", "bigint", "double", LINE_FILE),
    ("loyalty_tier", "column_added", None, "string", CUSTOMER_FILE),
    ("phone", "column_dropped", "string", None, CUSTOMER_FILE),
    ("signup_date", "type_widened", "date", "timestamp", CUSTOMER_FILE),
}


@pytest.fixture(scope="module")
def initial_load(tmp_path_factory) -> LocalPipeline:
    """Generated landing data loaded into bronze once; each test works on a copy."""
    base = LocalPipeline(tmp_path_factory.mktemp("schema_evolution_base"))
    base.prepare(deps=False)
    base.generate(300, 3, "--end-date", FIXED_END_DATE)
    base.dbt("run", "-s", *MODELS)
    return base


@pytest.fixture
def pipeline(initial_load, tmp_path) -> LocalPipeline:
    root = tmp_path / "pipeline"
    shutil.copytree(initial_load.root, root)
    return LocalPipeline(root)


def _bronze(pipeline: LocalPipeline, model: str, columns: list[str], where: str = "") -> list:
    cols = ", ".join(columns)
    return pipeline.query(f"select {cols} from bronze.{model} {where} order by all")


def _before(pipeline: LocalPipeline) -> dict[str, list]:
    return {m: _bronze(pipeline, m, DECLARED[m] + INGESTION) for m in MODELS}


def _assert_nothing_lost(pipeline: LocalPipeline, before: dict[str, list]) -> None:
    for model, rows in before.items():
        assert rows, f"{model} was empty before the drift batch"
        kept = _bronze(
            pipeline, model, DECLARED[model] + INGESTION, f"where _batch_id <> '{BATCH}'"
        )
        assert kept == rows, f"{model}: rows loaded before the drift batch changed"


def _log(pipeline: LocalPipeline) -> set[tuple]:
    rows = pipeline.query(
        f"select column_name, change_kind, old_type, new_type, source_file, "
        f"schema_evolution_mode, action, batch_id from {LOG}"
    )
    assert all(r[7] == BATCH for r in rows)
    return {r[:7] for r in rows}


def _expected_log(mode: str, actions: dict[str, str]) -> set[tuple]:
    return {(*change, mode, actions[change[1]]) for change in EXPECTED_CHANGES}


def _land_drift_batch(landing: Path, incompatible: bool = False) -> None:
    """Copy three records of each entity into a new batch, with the schema changed."""
    lines_in = sorted(landing.glob("order_lines/batch=*/*.jsonl"))[0]
    records = [json.loads(line) for line in lines_in.read_text().splitlines()[:3]]
    for i, record in enumerate(records):
        record["order_line_id"] += 10_000_000
        record.pop("discount_amount")
        record["gift_wrap"] = f"wrap-{i}"
        record["quantity"] = 3.5 if i == 0 else 2
        if incompatible:
            record["line_number"] = {"position": record["line_number"]}
    _write(landing / LINE_FILE, "".join(json.dumps(r) + "\n" for r in records))

    customers_in = sorted(landing.glob("customers/batch=*/*.csv"))[0]
    with customers_in.open(newline="") as source:
        reader = csv.DictReader(source)
        records = [next(reader) for _ in range(3)]
    # A new column in the middle and one missing: read by position, every later value would
    # land in the wrong column.
    names = [n for n in reader.fieldnames if n != "phone"]
    names.insert(names.index("email"), "loyalty_tier")
    for i, record in enumerate(records):
        del record["phone"]
        record.update(
            customer_id=str(int(record["customer_id"]) + 10_000_000),
            loyalty_tier=f"tier-{i}",
            signup_date=f"{record['signup_date']}T08:30:00",
            op="update",
        )
    (landing / CUSTOMER_FILE).parent.mkdir(parents=True)
    with (landing / CUSTOMER_FILE).open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=names)
        writer.writeheader()
        writer.writerows(records)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(text)


def _drift_rows(pipeline: LocalPipeline, model: str, columns: list[str]) -> list[tuple]:
    return _bronze(pipeline, model, columns, f"where _batch_id = '{BATCH}'")


def test_strict_fails_naming_file_column_and_change(pipeline):
    before = _before(pipeline)
    _land_drift_batch(pipeline.landing)
    run = pipeline.dbt(
        "run", "-s", *MODELS, "--vars", "{schema_evolution_mode: strict}", check=False
    )
    assert run.returncode != 0
    for column, kind, old, new, source_file in EXPECTED_CHANGES:
        assert source_file in run.stdout
        described = {
            "column_added": f"column `{column}` added ({new})",
            "column_dropped": f"column `{column}` dropped",
            "type_widened": f"column `{column}` type widened from {old} to {new}",
        }[kind]
        assert described in run.stdout, f"strict error does not say: {described}"
    assert "What to do:" in run.stdout and "_landing__sources.yml" in run.stdout
    assert _log(pipeline) == _expected_log(
        "strict", dict.fromkeys(("column_added", "column_dropped", "type_widened"), "run_failed")
    )
    _assert_nothing_lost(pipeline, before)
    assert not _drift_rows(pipeline, "bronze_order_lines", ["order_line_id"])


def test_permissive_loads_declared_columns_and_logs_each_change(pipeline):
    before = _before(pipeline)
    _land_drift_batch(pipeline.landing)
    run = pipeline.dbt("run", "-s", *MODELS)  # permissive is the project default
    _assert_nothing_lost(pipeline, before)
    for model in MODELS:
        columns = [r[0] for r in pipeline.query(f"describe bronze.{model}")]
        assert columns == DECLARED[model] + INGESTION, "permissive must keep the declared shape"
    lines = _drift_rows(pipeline, "bronze_order_lines", ["quantity", "discount_amount"])
    assert lines == [("2", None), ("2", None), ("3.5", None)]
    customers = _drift_rows(pipeline, "bronze_customers", ["email", "phone", "signup_date"])
    assert len(customers) == 3
    assert all(
        "@" in email and phone is None and "T08:30:00" in signup
        for email, phone, signup in customers
    )
    actions = {
        "column_added": "ignored",
        "column_dropped": "null_filled",
        "type_widened": "loaded_as_string",
    }
    assert _log(pipeline) == _expected_log("permissive", actions)
    assert "Schema evolution (permissive) landing.order_lines" in run.stdout
    assert "column `gift_wrap` added (string), not declared -> ignored" in run.stdout

    # Only new files are checked: a run without new files records nothing more.
    logged = pipeline.query(f"select count(*) from {LOG}")[0][0]
    pipeline.dbt("run", "-s", *MODELS)
    assert pipeline.query(f"select count(*) from {LOG}")[0][0] == logged


def test_permissive_loads_an_incompatible_type_as_text(pipeline):
    _land_drift_batch(pipeline.landing, incompatible=True)
    pipeline.dbt("run", "-s", "bronze_order_lines")
    changed = pipeline.query(
        f"select old_type, new_type, action from {LOG} where column_name = 'line_number'"
    )
    assert changed == [("bigint", "struct", "loaded_as_string")]
    values = _drift_rows(pipeline, "bronze_order_lines", ["line_number"])
    assert all(json.loads(v)["position"] >= 1 for (v,) in values)


def test_auto_fix_adds_columns_and_absorbs_widening(pipeline):
    before = _before(pipeline)
    _land_drift_batch(pipeline.landing)
    pipeline.dbt("run", "-s", *MODELS, "--vars", "{schema_evolution_mode: auto_fix}")
    _assert_nothing_lost(pipeline, before)
    for model, added in (("bronze_order_lines", "gift_wrap"), ("bronze_customers", "loyalty_tier")):
        columns = [r[0] for r in pipeline.query(f"describe bronze.{model}")]
        assert set(columns) == {*DECLARED[model], *INGESTION, added}
        earlier = f"where _batch_id <> '{BATCH}' and {added} is not null"
        assert not _bronze(pipeline, model, [added], earlier), (
            f"{added} must be null for rows loaded before it existed"
        )
    assert _drift_rows(pipeline, "bronze_order_lines", ["gift_wrap", "quantity"]) == [
        ("wrap-0", "3.5"),
        ("wrap-1", "2"),
        ("wrap-2", "2"),
    ]
    assert sorted(_drift_rows(pipeline, "bronze_customers", ["loyalty_tier"])) == [
        ("tier-0",),
        ("tier-1",),
        ("tier-2",),
    ]
    actions = {
        "column_added": "added_to_bronze",
        "column_dropped": "null_filled",
        "type_widened": "absorbed_by_safe_cast",
    }
    assert _log(pipeline) == _expected_log("auto_fix", actions)


def test_auto_fix_refuses_a_change_it_cannot_absorb(pipeline):
    before = _before(pipeline)
    _land_drift_batch(pipeline.landing, incompatible=True)
    run = pipeline.dbt(
        "run",
        "-s",
        "bronze_order_lines",
        "--vars",
        "{schema_evolution_mode: auto_fix}",
        check=False,
    )
    assert run.returncode != 0
    assert "column `line_number` type changed from bigint to struct" in run.stdout
    _assert_nothing_lost(pipeline, {"bronze_order_lines": before["bronze_order_lines"]})
    assert "gift_wrap" not in [r[0] for r in pipeline.query("describe bronze.bronze_order_lines")]


def test_empty_files_are_no_schema_change(pipeline):
    """A batch without records still delivers its files: an empty JSON file, a CSV header."""
    before = _before(pipeline)
    header = sorted(pipeline.landing.glob("customers/batch=*/*.csv"))[0].read_text()
    _write(pipeline.landing / LINE_FILE, "")
    _write(pipeline.landing / CUSTOMER_FILE, header.splitlines()[0] + "\n")
    pipeline.dbt("run", "-s", *MODELS, "--vars", "{schema_evolution_mode: strict}")
    assert pipeline.query(f"select count(*) from {LOG}") == [(0,)]
    _assert_nothing_lost(pipeline, before)
    assert not _drift_rows(pipeline, "bronze_customers", ["customer_id"])


def test_unknown_mode_is_a_compile_error_naming_the_setting(pipeline):
    _land_drift_batch(pipeline.landing)
    run = pipeline.dbt(
        "run",
        "-s",
        "bronze_order_lines",
        "--vars",
        "{schema_evolution_mode: lenient}",
        check=False,
    )
    assert run.returncode != 0
    assert "dbt_project.yml: var `schema_evolution_mode`" in run.stdout
    assert "'lenient'" in run.stdout


@pytest.mark.slow
def test_source_meta_sets_and_validates_the_mode_per_table(initial_load, tmp_path):
    """A copy of the project whose sources set the mode per table: one strict, one invalid."""
    project = tmp_path / "project"
    skip = (".venv", ".git", "target", "logs", "data", "dbt_packages", "__pycache__")
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns(*skip))
    (project / "dbt_packages").symlink_to(PROJECT / "dbt_packages")
    sources = project / "models/bronze/landing/_landing__sources.yml"
    text = _set_meta(sources.read_text(), "order_lines", "schema_evolution: strict")
    text = _set_meta(text, "customers", "schema_evolution: sometimes")
    sources.write_text(text)
    root = tmp_path / "pipeline"
    shutil.copytree(initial_load.root, root)
    local = _ProjectPipeline(root, project)
    _land_drift_batch(local.landing)
    run = local.dbt("run", "-s", *MODELS, check=False)  # var default: permissive
    assert "column `gift_wrap` added (string)" in run.stdout, "meta strict must win over the var"
    assert (
        "models/bronze/landing/_landing__sources.yml: source landing.customers has "
        "meta.schema_evolution 'sometimes'"
    ) in run.stdout


def _set_meta(sources_yaml: str, table: str, setting: str) -> str:
    """Add `setting` to the meta of one table of the landing sources file."""
    pattern = re.compile(rf"(- name: {table}\n(?:.*\n)*?( +)meta:\n)")
    text, found = pattern.subn(rf"\1\2  {setting}\n", sources_yaml, count=1)
    assert found, f"no meta for {table} in the landing sources: update this test"
    return text


class _ProjectPipeline(LocalPipeline):
    """A LocalPipeline running dbt in another copy of the project."""

    def __init__(self, root: Path, project: Path) -> None:
        super().__init__(root)
        self.project = project

    def dbt(self, *args: str, check: bool = True):
        return super().dbt(*args, "--project-dir", str(self.project), check=check)


# --- Databricks: the same detection, recorded offline ------------------------------------

VOLUME_FILE = f"/Volumes/lakehouse_bi_ci/landing/files/{LINE_FILE}"
DESCRIBED = [  # what DESCRIBE QUERY over read_files would infer for the drift file
    ("order_line_id", "bigint"),
    ("order_id", "bigint"),
    ("line_number", "bigint"),
    ("product_id", "bigint"),
    ("quantity", "double"),
    ("unit_price", "double"),
    ("updated_at", "timestamp"),
    ("op", "string"),
    ("gift_wrap", "string"),
    ("_rescued_data", "string"),
]
DESCRIBE_QUERY = re.compile(r"\A\s*(/\*.*?\*/\s*)?describe\s+query\s", re.I | re.S)
KNOWN_SQLFLUFF_GAP = re.compile(r"\Adesc(ribe)?\s+(table\s+)?extended\s+\S+\s+as\s+json\Z", re.I)


@pytest.mark.slow
def test_databricks_detection_sql_runs_through_the_adapter_and_parses(tmp_path, monkeypatch):
    harness = PROJECT / "tests" / "databricks_harness"
    if not harness.is_dir():
        pytest.skip("tests/databricks_harness (the recorded-SQL fake warehouse) is not present")
    sys.path.insert(0, str(harness.parent))
    from databricks_harness import FakeWarehouse, record_dbt
    from databricks_harness.query_engine import QueryResult
    from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile
    from databricks_harness.sql_parse import parse_error

    monkeypatch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
    project = copy_project(PROJECT, tmp_path / "project")
    write_profile(tmp_path / "profiles", "lakehouse_bi", catalog="lakehouse_bi_ci", schema="ci")
    warehouse = FakeWarehouse("lakehouse_bi_ci", "ci")
    # The fake holds no files and no rows: it lists the drift file, answers the types seen
    # before, and infers the file's schema as Databricks would.
    # (path, length, modificationTime): the binaryFile listing reads metadata only.
    landed_at = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)
    warehouse.add_canned_answer(r"format\s*=>\s*'binaryFile'", [(VOLUME_FILE, 512, landed_at)])
    warehouse.add_canned_answer(
        r"\blanding_column_types\b", [("quantity", "bigint"), ("discount_amount", "double")]
    )
    respond = warehouse.responder.respond

    def describe_query(sql, session):
        if DESCRIBE_QUERY.match(sql):
            columns = [("col_name", "string"), ("data_type", "string"), ("comment", "string")]
            return QueryResult(columns, [(name, kind, None) for name, kind in DESCRIBED])
        return respond(sql, session)

    monkeypatch.setattr(warehouse.responder, "respond", describe_query)
    paths = {"target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    # An earlier invocation created the schema evolution tables (dbt caches the relations of
    # the project's schemas before on-run-start, so a table created now is read next run).
    record_dbt(
        project,
        tmp_path / "profiles",
        ["run-operation", "create_schema_evolution_tables"],
        warehouse=warehouse,
        label="earlier",
        **paths,
    )
    statements = record_dbt(
        project,
        tmp_path / "profiles",
        ["run", "-s", "bronze_order_lines", "--vars", "{schema_evolution_mode: auto_fix}"],
        warehouse=warehouse,
        label="fresh",
        **paths,
    )
    ours = [
        s
        for s in statements
        if not s.is_metadata_call
        and (s.node_id == "model.lakehouse_bi.bronze_order_lines" or "observability" in s.body)
    ]
    bodies = [s.body for s in ours]
    describes = [b for b in bodies if DESCRIBE_QUERY.match(b)]
    assert len(describes) == 1 and f"read_files(\n        '{VOLUME_FILE}'" in describes[0]
    log_insert = next(
        b for b in bodies if b.startswith("insert into") and "`schema_change_log`" in b
    )
    logged = {(row[3], row[10]) for row in _values_rows(log_insert)}
    assert logged == {
        ("gift_wrap", "added_to_bronze"),
        ("discount_amount", "null_filled"),
        ("quantity", "absorbed_by_safe_cast"),
    }
    create = next(b for b in bodies if b.startswith("create or replace temporary view"))
    assert "`gift_wrap` STRING" in create, "auto_fix must add the new column to the read schema"
    # on-run-start: the two schema evolution tables and the retention ledger
    # (packages/lakehouse/macros/delta/)
    created = [b for b in bodies if b.startswith("create table if not exists")]
    assert len(created) == 3 and sum("retention_expired_files" in b for b in created) == 1
    failures = {
        b: error for b in bodies if not KNOWN_SQLFLUFF_GAP.match(b) and (error := parse_error(b))
    }
    assert not failures, "statements sqlfluff's databricks dialect cannot parse:\n" + "\n\n".join(
        f"{error}\n{b}" for b, error in failures.items()
    )


def _values_rows(insert: str) -> list[list[str | None]]:
    """The literal values of each row of an INSERT ... VALUES (timestamps left out)."""
    rows = re.findall(r"\(\s*('.*?)\bcast\(", insert.split(" values", 1)[1], re.S)
    return [
        [text if text or not null else None for text, null in re.findall(r"'([^']*)'|(null)", r)]
        for r in rows
    ]


# --- A renamed column (issue 9, class 11) --------------------------------------------------

RENAMED_TEST = "test.lakehouse_bi.renamed_landing_columns"
# Every bronze model: the renames model dates each entity's latest ingestion from all of them.
# schema_renamed_columns reads int_landed_records__unioned, which reads the silver feeds too;
# tests only where every parent is built (the feeds' relationship tests to seeds are not).
BUILD_RENAMES = (
    "build", "-s", "tag:bronze", "+schema_renamed_columns+", "--indirect-selection", "cautious",
)  # fmt: skip


def _land_renamed_customers(landing: Path, batch: str = BATCH, rename: bool = True) -> list[str]:
    """Three customer records in a new batch whose header says `e_mail` instead of `email`
    (unless not `rename`); returns the e-mail values (which no message may contain)."""
    email = "e_mail" if rename else "email"
    customers_in = sorted(landing.glob("customers/batch=*/*.csv"))[0]
    with customers_in.open(newline="") as source:
        reader = csv.DictReader(source)
        records = [next(reader) for _ in range(3)]
        names = [email if n == "email" else n for n in reader.fieldnames]
    for record in records:
        record[email] = record.pop("email")
        record.update(customer_id=str(int(record["customer_id"]) + 10_000_000), op="update")
    target = landing / f"customers/batch={batch}/customers_{batch}.csv"
    target.parent.mkdir(parents=True)
    with target.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=names)
        writer.writeheader()
        writer.writerows(records)
    return [r[email] for r in records]


def _status(pipeline: LocalPipeline, unique_id: str) -> str:
    results = json.loads((pipeline.target / "run_results.json").read_text())["results"]
    return next(r["status"] for r in results if r["unique_id"] == unique_id)


def test_permissive_rename_warns_naming_file_and_both_columns(pipeline):
    emails = _land_renamed_customers(pipeline.landing, "b9998_20991230")
    build = pipeline.dbt(*BUILD_RENAMES)  # permissive: exit 0, but not a silent green
    renamed_file = "customers/batch=b9998_20991230/customers_b9998_20991230.csv"
    assert _status(pipeline, RENAMED_TEST) == "warn"
    assert "WARN=1" in build.stdout and "Warning in test renamed_landing_columns" in build.stdout
    assert (
        f"{renamed_file}: probable rename: declared column `email` missing, "
        "undeclared `e_mail` present"
    ) in build.stdout
    # The test's own warning (not only the bronze model's log line) names them too.
    assert (
        f"renamed_landing_columns: {renamed_file}: declared column `email` missing, "
        "undeclared `e_mail` present (landing.customers: probable rename)"
    ) in build.stdout
    failing = pipeline.query("select * from observability.renamed_landing_columns")
    assert failing == [("landing.customers", renamed_file, "email", "e_mail", "b9998_20991230")]
    assert not any(email in build.stdout for email in emails), "messages hold names, not values"
    assert pipeline.query(
        "select count(*) from bronze.bronze_customers"
        " where _batch_id = 'b9998_20991230' and email is null"
    ) == [(3,)]

    # The warning judges each entity's latest ingestion: a later batch without the rename
    # clears it; the rename stays listed in the model.
    _land_renamed_customers(pipeline.landing, rename=False)
    pipeline.dbt(*BUILD_RENAMES)
    assert _status(pipeline, RENAMED_TEST) == "pass"
    assert pipeline.query(
        "select source_file, dropped_column, added_column, is_latest_ingestion"
        " from observability.schema_renamed_columns where dropped_column = 'email'"
    ) == [(renamed_file, "email", "e_mail", False)]


def test_strict_rename_fails_naming_file_and_both_columns(pipeline):
    _land_renamed_customers(pipeline.landing)
    run = pipeline.dbt(
        "run", "-s", "bronze_customers", "--vars", "{schema_evolution_mode: strict}", check=False
    )
    assert run.returncode != 0
    assert f"in {CUSTOMER_FILE}:" in run.stdout
    assert "probable rename: declared column `email` missing, undeclared `e_mail` present" in (
        run.stdout
    )
    assert not _drift_rows(pipeline, "bronze_customers", ["customer_id"])


def test_auto_fix_rename_is_unchanged(pipeline):
    """auto_fix adds the new name to bronze as before: no warning of its own."""
    _land_renamed_customers(pipeline.landing)
    pipeline.dbt(*BUILD_RENAMES, "--vars", "{schema_evolution_mode: auto_fix}")
    assert _status(pipeline, RENAMED_TEST) == "pass"
    assert len(_drift_rows(pipeline, "bronze_customers", ["e_mail"])) == 3


# --- CSV sniffing: the header is line 1 --------------------------------------------------


def _sniffed_names(pipeline: LocalPipeline, file_path: Path) -> list[str]:
    show = pipeline.dbt(
        "--quiet", "show", "--output", "json", "--inline",
        "select '{{ lakehouse.landing_file_columns(lakehouse.landing_entity('customers'), '"
        + str(pipeline.seen_by_dbt(file_path)) + "') | map('first') | join(',') }}' as sniffed",
    )  # fmt: skip
    return json.loads(show.stdout[show.stdout.index("{") :])["show"][0]["sniffed"].split(",")


def test_csv_with_a_malformed_last_row_sniffs_its_first_line_as_header(pipeline):
    """A last row with an unquoted comma (one field too many) once became the header: its
    values were reported as columns and every declared column as dropped."""
    customers_in = sorted(pipeline.landing.glob("customers/batch=*/*.csv"))[0]
    lines = customers_in.read_text().splitlines()
    header, bad = lines[0], lines[3].split(",")
    address = header.split(",").index("street_address")
    bad[address] = f"{bad[address]}, Apt. 373"  # unquoted: one field too many
    _write(pipeline.landing / CUSTOMER_FILE, "\n".join([header, *lines[1:3], ",".join(bad)]) + "\n")

    assert (
        _sniffed_names(pipeline, pipeline.landing / CUSTOMER_FILE) == DECLARED["bronze_customers"]
    )
    # strict: a misread header would fail the run with a schema change; reading the rows is
    # the bronze reader's business, not the sniffer's.
    run = pipeline.dbt(
        "run", "-s", "bronze_customers", "--vars", "{schema_evolution_mode: strict}", check=False
    )
    assert "Schema change in landing files" not in run.stdout
    assert pipeline.query(f"select count(*) from {LOG}") == [(0,)]
    assert "Apt. 373" not in run.stdout


def test_detection_sniffs_only_the_new_files(pipeline):
    """A run with one new file reads that file and no other: the type inference of schema
    change detection and the bronze read alike (the listing reads file metadata only)."""
    _land_drift_batch(pipeline.landing)
    shutil.rmtree(pipeline.root / "logs")
    pipeline.dbt("run", "-s", "bronze_order_lines")
    log = (pipeline.root / "logs" / "dbt.log").read_text()
    inferred = re.findall(r"read_csv\(\s*\[?'([^']+)'[\s\S]{0,3000}?key_names", log)
    assert inferred, "no type inference query in the log"
    read = set(re.findall(r"read_csv\(\s*\[?'([^']+)'", log))
    assert read == set(inferred) == {str(pipeline.seen_by_dbt(pipeline.landing / LINE_FILE))}
