"""packages/lakehouse/macros/ingestion/: the landing readers per engine, schema sniffing,
unreadable files.

DuckDB renderings run on real files in a temporary landing folder; Databricks renderings are
asserted textually (read_files options) and parsed with sqlfluff's databricks dialect; the
schema query of a landing file also runs on Sail, its read_files read as the recording
harness reads it (tests/databricks_harness/sail_files.py).
"""

from __future__ import annotations

import csv
import datetime
import re
import sys
from pathlib import Path

import duckdb
import pytest
import sqlfluff
from macro_render import CompilationError, MacroHarness, Table, normalize_sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness.sail_backend import parse_read_files_args
from databricks_harness.sail_files import inference_reader_args, well_formed_copy
from databricks_harness.sql_text import paren_body

CSV = 'order_id,amount\n1,10.50\n\n"2","a ""quoted"" value"\n3,4,5\n'
JSONL = '{"order_id": "1", "amount": "10.5"}\nnot json\n{"order_id": 2}\n[1, 2]\n'


def entity(fmt: str = "csv", **changes) -> dict:
    spec = {
        "name": "orders",
        "format": fmt,
        "columns": ["order_id", "amount"],
        "glob": f"/Volumes/lakehouse_bi_dev/landing/files/orders/batch=*/*.{fmt}",
    }
    return {**spec, **changes}


def executing(con: duckdb.DuckDBPyConnection) -> MacroHarness:
    """A DuckDB harness whose run_query executes on ``con``."""
    harness = MacroHarness("duckdb")

    def run_query(sql):
        harness.queries.append(str(sql))
        result = con.execute(str(sql))
        return Table(result.fetchall(), [d[0] for d in result.description])

    harness.override("run_query", run_query)
    return harness


@pytest.fixture
def landed(tmp_path):
    batch = tmp_path / "orders" / "batch=1"
    batch.mkdir(parents=True)
    (batch / "o'brien.csv").write_text(CSV)
    (batch / "orders.jsonl").write_text(JSONL)
    return batch


# -- read_landing_files: DuckDB ----------------------------------------------------------------
def test_duckdb_csv_reader_parses_quotes_and_keeps_malformed_lines(landed):
    path = str(landed / "o'brien.csv")
    sql = MacroHarness("duckdb").call("read_landing_files", entity(files=[path]))
    assert "read_csv(\n        ['" + path.replace("'", "''") + "']" in sql
    rows = duckdb.sql(f"select * from ({sql}) order by _source_line").fetchall()
    assert rows == [
        ("1", "10.50", None, path, 2),
        ("2", 'a "quoted" value', None, path, 3),
        (None, None, "3,4,5", path, 4),
    ]


def test_duckdb_jsonl_reader_keeps_non_objects_as_corrupt(landed):
    path = str(landed / "orders.jsonl")
    sql = MacroHarness("duckdb").call("read_landing_files", entity("jsonl", files=[path]))
    assert "json_transform(" in sql and '{"order_id": "VARCHAR", "amount": "VARCHAR"}' in sql
    rows = duckdb.sql(f"select * from ({sql}) order by _source_line").fetchall()
    assert rows == [
        ("1", "10.5", None, path, 1),
        (None, None, "not json", path, 2),
        ("2", None, None, path, 3),
        (None, None, "[1, 2]", path, 4),
    ]


def test_duckdb_reader_marks_records_over_the_length_limit(landed):
    path = str(landed / "o'brien.csv")
    harness = MacroHarness("duckdb", vars={"landing_max_record_chars": 6})
    sql = harness.call("read_landing_files", entity(files=[path]))
    assert "<= 6 as is_well_formed" in normalize_sql(sql)
    corrupt = duckdb.sql(f"select _corrupt_record from ({sql}) order by _source_line").fetchall()
    assert corrupt == [(None,), ('"2","a ""quoted"" value"',), ("3,4,5",)]


@pytest.mark.parametrize("incremental", [False, True])
def test_duckdb_no_files_means_no_read(incremental):
    harness = MacroHarness("duckdb", incremental=incremental)
    sql = normalize_sql(harness.call("read_landing_files", entity(files=[])))
    assert "read_csv" not in sql
    assert sql.endswith("cast(null as bigint) as _source_line where false")
    assert '"order_id"' in sql
    assert duckdb.sql(sql).fetchall() == []
    assert duckdb.sql(sql).columns == [
        "order_id",
        "amount",
        "_corrupt_record",
        "_source_path",
        "_source_line",
    ]


def test_duckdb_without_file_list_reads_the_glob():
    sql = MacroHarness("duckdb").sql("read_landing_files", entity(glob="data/landing/o'x/*.csv"))
    assert "read_csv( 'data/landing/o''x/*.csv', columns = {'line': 'VARCHAR'}" in sql


# -- read_landing_files: Databricks ------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_databricks_reader_options(fmt):
    sql = MacroHarness("databricks").sql("read_landing_files", entity(fmt, files=["f"]))
    assert (
        f"from read_files( '/Volumes/lakehouse_bi_dev/landing/files/orders/batch=*/*.{fmt}'," in sql
    )
    assert ("format => 'csv'" if fmt == "csv" else "format => 'json'") in sql
    assert ("header => true, rescuedDataColumn => '_rescued_data'," in sql) == (fmt == "csv")
    assert "mode => 'PERMISSIVE', columnNameOfCorruptRecord => '_corrupt_record'," in sql
    assert "schema => '`order_id` STRING, `amount` STRING, `_corrupt_record` STRING'" in sql
    assert "modifiedAfter" not in sql
    line = "order by _file_block_start, _read_position )"
    assert (line + (" + 1 as _source_line" if fmt == "csv" else " as _source_line")) in sql
    sqlfluff.parse(sql, dialect="databricks")


@pytest.mark.parametrize(
    ("modified_from", "after"),
    [
        (datetime.datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:04"),
        (datetime.datetime(2026, 1, 1, 0, 0, 0, 500000), "2025-12-31T23:59:59"),
    ],
)
def test_databricks_incremental_reads_from_one_second_before_the_earliest_new_file(
    modified_from, after
):
    harness = MacroHarness("databricks", incremental=True)
    sql = harness.sql("read_landing_files", entity(files=["f"], files_modified_from=modified_from))
    assert f"modifiedAfter => '{after}', mode => 'PERMISSIVE'" in sql


def test_databricks_full_build_has_no_modified_after():
    sql = MacroHarness("databricks", incremental=False).sql(
        "read_landing_files",
        entity(files=["f"], files_modified_from=datetime.datetime(2026, 1, 2)),
    )
    assert "read_files(" in sql and "modifiedAfter" not in sql


def test_databricks_incremental_without_new_files_reads_nothing():
    sql = MacroHarness("databricks", incremental=True).sql("read_landing_files", entity(files=[]))
    assert "read_files" not in sql
    assert sql.startswith("select cast(null as string) as `order_id`,")
    assert sql.endswith("cast(null as bigint) as _source_line where false")


def test_databricks_reader_quotes_the_glob():
    sql = MacroHarness("databricks").sql(
        "read_landing_files", entity(files=["f"], glob="/Volumes/c/it's/orders/*.csv")
    )
    assert "read_files( '/Volumes/c/it\\'s/orders/*.csv'," in sql


# -- landing_file_columns ----------------------------------------------------------------------
def test_landing_file_columns_duckdb_csv_types_from_values(tmp_path):
    path = tmp_path / "orders" / "batch=1" / "typed.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "id,price,flag,day,at,note,empty\n"
        "1,1.5,true,2026-01-01,2026-01-01T01:30:00Z,x,\n"
        "2,2,false,2026-01-02,2026-01-02,y,\n"
        "1,2,3\n"
    )
    con = duckdb.connect()
    columns = executing(con).call("landing_file_columns", entity(), str(path))
    assert columns == [
        ("id", "BIGINT"),
        ("price", "DOUBLE"),
        ("flag", "BOOLEAN"),
        ("day", "DATE"),
        ("at", "TIMESTAMP"),
        ("note", "VARCHAR"),
        ("empty", "NULL"),
    ]


def test_landing_file_columns_duckdb_jsonl_types(tmp_path):
    path = tmp_path / "orders" / "batch=1" / "typed.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(
        '{"id": 1, "price": 1.5, "tags": ["a"], "day": "2026-01-01", "n": null}\n'
        'broken\n{"id": 2, "price": 2, "tags": [], "day": "2026-01-02", "x": {"a": 1}}\n'
    )
    con = duckdb.connect()
    columns = executing(con).call("landing_file_columns", entity("jsonl"), str(path))
    assert columns == [
        ("id", "BIGINT"),
        ("price", "DOUBLE"),
        ("tags", "VARCHAR[]"),
        ("day", "DATE"),
        ("n", "NULL"),
        ("x", "STRUCT"),
    ]


def test_landing_file_columns_csv_header_names_win_and_types_need_equal_counts():
    harness = MacroHarness("duckdb")
    harness.on_query(r"select line from numbered_lines", [('id,"a ""b""",c',)])
    harness.on_query(r"column_position", [("id", "BIGINT"), ("x", "VARCHAR")])
    columns = harness.call("landing_file_columns", entity(), "data/landing/orders/batch=1/o.csv")
    assert columns == [("id", None), ('a "b"', None), ("c", None)]
    assert len(harness.queries) == 2


def test_landing_file_columns_empty_header_queries_nothing_more():
    harness = MacroHarness("duckdb")
    harness.on_query(r"select line from numbered_lines", [("\ufeff",)])
    assert harness.call("landing_file_columns", entity(), "x.csv") == []
    assert len(harness.queries) == 1


def test_landing_file_columns_databricks_describe_query_without_reader_columns():
    harness = MacroHarness("databricks")
    harness.on_query(
        r"^\s*describe query",
        [
            ("id", "bigint"),
            ("amount", "double"),
            ("_rescued_data", "string"),
            ("_corrupt_record", "string"),
        ],
    )
    columns = harness.call("landing_file_columns", entity(), "/Volumes/x/orders/batch=1/o.csv")
    assert columns == [("id", "bigint"), ("amount", "double")]
    (query,) = harness.queries
    assert normalize_sql(query) == (
        "describe query select * from read_files( '/Volumes/x/orders/batch=1/o.csv', "
        "format => 'csv', header => true, inferColumnTypes => true )"
    )


def test_landing_file_columns_sql_jsonl_databricks_has_no_header():
    sql = MacroHarness("databricks").sql(
        "databricks__landing_file_columns_sql", entity("jsonl"), "/v/o.jsonl", None
    )
    assert "format => 'json', inferColumnTypes => true" in sql and "header" not in sql


def test_landing_file_columns_sql_databricks_quotes_the_path():
    sql = MacroHarness("databricks").sql(
        "databricks__landing_file_columns_sql", entity(), "/Volumes/x/o'brien.csv", None
    )
    assert "read_files( '/Volumes/x/o\\'brien.csv'," in sql


# -- landing_csv_header ------------------------------------------------------------------------
HEADER_FILES = {
    "quoted_names_bom_crlf": '\ufeffid,"a ""b""",,"x,y"\r\n1,2,3,4\r\n',
    "blank_lines_first": "\n\norder_id,amount\n1,10.50\n",
    "malformed_rows_after": 'order_id,amount\n1,10.50\n"2","x"\n3,4,5\n',
    "header_only": "order_id,amount",
    "bom_alone_on_line_one": "\ufeff\norder_id,amount\n1,2\n",
}


def first_line_names(text: str) -> list[str]:
    """Independent truth: Python's csv module on the first non-empty line (BOM dropped)."""
    line = next(line for line in text.lstrip("\ufeff").splitlines() if line)
    return next(csv.reader([line]))


def write_landing_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "orders" / "batch=1" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("name", sorted(HEADER_FILES))
def test_landing_csv_header_duckdb_names_line_one_of_a_real_file(tmp_path, name):
    path = write_landing_file(tmp_path, f"{name}.csv", HEADER_FILES[name])
    harness = executing(duckdb.connect())
    names = harness.call("landing_csv_header", entity(), str(path))
    assert names == first_line_names(HEADER_FILES[name])
    (query,) = harness.queries
    assert "select line from numbered_lines where _source_line = 1" in normalize_sql(query)


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_landing_csv_header_duckdb_no_names_without_a_header_line(tmp_path, text):
    path = write_landing_file(tmp_path, "empty.csv", text)
    assert executing(duckdb.connect()).call("landing_csv_header", entity(), str(path)) == []


def test_landing_csv_header_databricks_leaves_line_one_to_read_files():
    harness = MacroHarness("databricks")
    harness.on_query(r".", [("a,b",)])
    assert harness.call("landing_csv_header", entity(), "/Volumes/x/orders/o.csv") is None
    assert harness.queries == []


# -- landing_file_columns_sql ------------------------------------------------------------------
TYPED_CSV = (
    "id,price,flag,day\n"
    "1,1.5,true,2026-01-01\n"
    "2,2,false,2026-01-02\n"
    "oops,oops\n"  # wrong field count: left out
    "x,y,z,w\n"  # past a 3-line sample: not seen
)


def columns_sql(harness: MacroHarness, *args) -> str:
    return harness.context["adapter"].dispatch("landing_file_columns_sql", "lakehouse")(*args)


@pytest.mark.parametrize(
    ("sample_lines", "types"),
    [
        (4, ["BIGINT", "DOUBLE", "BOOLEAN", "DATE"]),
        (5, ["VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"]),
    ],
)
def test_landing_file_columns_sql_duckdb_types_the_sampled_lines(tmp_path, sample_lines, types):
    path = write_landing_file(tmp_path, "typed.csv", TYPED_CSV)
    header = ["order_id", "amount", "is_paid", "order_date"]  # names come from the caller
    harness = MacroHarness("duckdb", vars={"landing_type_sample_lines": sample_lines})
    sql = columns_sql(harness, entity(), str(path), header)
    assert duckdb.sql(sql).fetchall() == [
        (name, data_type, position)
        for position, (name, data_type) in enumerate(zip(header, types, strict=True), 1)
    ]


def test_landing_file_columns_sql_duckdb_jsonl_keys_in_order_of_appearance(tmp_path):
    path = write_landing_file(
        tmp_path,
        "typed.jsonl",
        '{"id": 1, "at": "2026-01-01T01:00:00"}\n'
        "not json\n"
        '{"id": 2.5, "tags": ["a"], "at": null}\n',
    )
    sql = columns_sql(MacroHarness("duckdb"), entity("jsonl"), str(path), None)
    assert duckdb.sql(sql).fetchall() == [
        ("id", "DOUBLE"),
        ("at", "TIMESTAMP"),
        ("tags", "VARCHAR[]"),
    ]


def describe_on_sail(spark, sql: str, scratch: Path) -> list[tuple[str, str]]:
    """A rendered ``describe query select * from read_files(...)`` on Sail: the read_files call
    read as the recording harness reads one without a schema (sail_backend.py), then the
    query's columns and Spark types."""
    found = re.fullmatch(r"\s*describe query (select \* from) read_files\s*(\(.*\))\s*", sql, re.S)
    assert found, sql
    args, _ = paren_body(found.group(2), 0)
    fmt, options, files = inference_reader_args(parse_read_files_args(args))
    readable = [str(well_formed_copy(file, fmt, scratch)) for file in files]
    spark.read.format(fmt).options(**options).load(readable).createOrReplaceTempView("landing_file")
    schema = spark.sql(f"{found.group(1)} landing_file").schema
    return [(field.name, field.dataType.simpleString()) for field in schema.fields]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
def test_landing_file_columns_sql_databricks_names_line_one_on_sail(sail_spark, tmp_path):
    text = 'id,"a ""b""",day\n1,x,2026-01-01\n2,y,2026-01-02\n3,4,5,6\n'
    path = write_landing_file(tmp_path, "o.csv", text)
    sql = columns_sql(MacroHarness("databricks"), entity(), str(path), None)
    sqlfluff.parse(sql, dialect="databricks")
    described = describe_on_sail(sail_spark, sql, tmp_path / "scratch")
    assert [name for name, _ in described] == first_line_names(text)
    assert described == [("id", "bigint"), ('a "b"', "string"), ("day", "date")]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
def test_landing_file_columns_sql_databricks_reads_jsonl_as_json_on_sail(sail_spark, tmp_path):
    path = write_landing_file(
        tmp_path, "o.jsonl", '{"order_id": 1, "amount": 2.5}\n{"order_id": 2, "note": "x"}\n'
    )
    sql = columns_sql(MacroHarness("databricks"), entity("jsonl"), str(path), None)
    sqlfluff.parse(sql, dialect="databricks")
    described = describe_on_sail(sail_spark, sql, tmp_path / "scratch")
    assert dict(described) == {"order_id": "bigint", "amount": "double", "note": "string"}


# -- raise_unreadable_landing_files ------------------------------------------------------------
def test_raise_unreadable_names_the_file_from_run_query():
    harness = MacroHarness("duckdb")
    harness.on_query(r"read_blob", [("data/landing/orders/batch=7/bad.csv",)], ["filename"])
    with pytest.raises(CompilationError) as raised:
        harness.call(
            "raise_unreadable_landing_files",
            {"name": "orders"},
            ["data/landing/orders/batch=7/bad.csv", "data/landing/orders/batch=7/o'k.csv"],
        )
    assert "Landing files of landing.orders are not UTF-8 text" in str(raised.value)
    assert ": orders/batch=7/bad.csv. Nothing" in str(raised.value)
    assert (
        "read_blob(['data/landing/orders/batch=7/bad.csv', 'data/landing/orders/batch=7/o''k.csv'])"
        in normalize_sql(harness.queries[0])
    )


def test_raise_unreadable_passes_when_run_query_returns_no_file():
    harness = MacroHarness("duckdb")
    result = harness.call("raise_unreadable_landing_files", {"name": "orders"}, ["a/batch=1/x.csv"])
    assert normalize_sql(result) == ""
    assert "where try(decode(content)) is null" in normalize_sql(harness.queries[0])


def test_raise_unreadable_on_real_files(tmp_path):
    batch = tmp_path / "orders" / "batch=2"
    batch.mkdir(parents=True)
    (batch / "good.csv").write_text("id\n1\n", encoding="utf-8")
    (batch / "latin.csv").write_bytes("id\ncaf\u00e9\n".encode("latin-1"))
    harness = executing(duckdb.connect())
    with pytest.raises(CompilationError, match=r": orders/batch=2/latin\.csv\. Nothing"):
        harness.call(
            "raise_unreadable_landing_files",
            {"name": "orders"},
            [str(batch / "good.csv"), str(batch / "latin.csv")],
        )
    readable = harness.call(
        "raise_unreadable_landing_files", {"name": "orders"}, [str(batch / "good.csv")]
    )
    assert normalize_sql(readable) == ""


def test_raise_unreadable_without_files_or_on_databricks_queries_nothing():
    duck = MacroHarness("duckdb")
    assert duck.call("raise_unreadable_landing_files", {"name": "orders"}, []) is None
    bricks = MacroHarness("databricks")
    bricks.on_query(r".", [("x/batch=1/bad.csv",)])
    assert (
        normalize_sql(
            bricks.call("raise_unreadable_landing_files", {"name": "orders"}, ["x/batch=1/a.csv"])
        )
        == ""
    )
    assert duck.queries == [] and bricks.queries == []


# -- landing_root ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("engine", "root"),
    [("duckdb", "data/landing"), ("databricks", "/Volumes/lakehouse_bi_dev/landing/files")],
)
def test_landing_root_per_engine_and_var(engine, root):
    assert MacroHarness(engine).call("landing_root") == root
    assert (
        MacroHarness(engine, env={"LAKEHOUSE_BI_LANDING_ROOT": " /x/y "}).call("landing_root")
        == "/x/y"
    )


# -- list_new_landing_files / landing_file_listing ---------------------------------------------
def test_duckdb_listing_full_build_and_incremental_on_real_files(tmp_path):
    for batch, body in [("1", "id\n1\n"), ("2", "id\n2\n"), ("3", "")]:
        (tmp_path / "orders" / f"batch={batch}").mkdir(parents=True)
        (tmp_path / "orders" / f"batch={batch}" / "orders.csv").write_text(body)
    spec = entity(glob=f"{tmp_path}/orders/batch=*/*.csv")
    con = duckdb.connect()
    con.execute("attach ':memory:' as lakehouse_bi; use lakehouse_bi; create schema observability")
    con.execute(
        "create table main.model_under_test as select 'orders/batch=1/orders.csv' as _source_file"
    )
    con.execute(
        "create table observability.retention_expired_files as select "
        "'model_under_test' as model_name, 'orders/batch=3/orders.csv' as source_file"
    )
    full = executing(con)
    files = full.call("list_new_landing_files", spec)
    root = len(str(tmp_path)) + 1
    assert [(path[root:], size) for path, size, _ in files] == [
        ("orders/batch=1/orders.csv", 5),
        ("orders/batch=2/orders.csv", 5),
        ("orders/batch=3/orders.csv", 0),
    ]
    assert all(isinstance(modified, datetime.datetime) for _, _, modified in files)
    incremental = executing(con)
    incremental.incremental = True
    files = incremental.call("list_new_landing_files", spec)
    assert [path.rsplit("/", 3)[-2] for path, _, _ in files] == ["batch=2"]
    assert (
        'from "lakehouse_bi"."main"."model_under_test" as ingested union select '
        'expired.source_file as _source_file from "lakehouse_bi"."observability".'
        "\"retention_expired_files\" as expired where expired.model_name = 'model_under_test'"
    ) in normalize_sql(incremental.queries[0])


def test_databricks_listing_reads_metadata_only():
    harness = MacroHarness("databricks")
    harness.on_query(r"binaryFile", [("/v/orders/batch=1/o.csv", 10, "t")])
    assert harness.call("list_new_landing_files", entity()) == [
        ("/v/orders/batch=1/o.csv", 10, "t")
    ]
    sql = normalize_sql(harness.queries[0])
    assert (
        "select path as file_path, length as file_size, modificationTime as file_modified_at "
        "from read_files('/Volumes/lakehouse_bi_dev/landing/files/orders/batch=*/*.csv', "
        "format => 'binaryFile')"
    ) in sql
    assert "not in" not in sql


@pytest.mark.parametrize("engine", ["duckdb", "databricks"])
def test_listing_quotes_the_glob(engine):
    harness = MacroHarness(engine)
    harness.call("list_new_landing_files", entity(glob="/data/it's/orders/*.csv"))
    expected = "'/data/it''s/orders/*.csv'" if engine == "duckdb" else "'/data/it\\'s/orders/*.csv'"
    assert expected in harness.queries[0]
