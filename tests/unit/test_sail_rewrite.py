"""The Sail rewrite layer and the read_files emulation of the recording harness (no server).

Each rewrite is checked against what it must produce; the QUALIFY rewrite is also checked for
meaning by running both forms on DuckDB (which has QUALIFY) over the same rows.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import duckdb
import pytest
import sqlglot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness.sail_backend import parse_read_files_args
from databricks_harness.sail_files import ReadFilesCall, list_files, permissive_table
from databricks_harness.sail_rewrite import (
    NOT_SENT,
    REWRITES,
    dayofweek_part,
    rewrite_for_sail,
)


@pytest.mark.parametrize(
    "statement",
    [
        "GRANT SELECT ON TABLE `c`.`gold`.`fct_sales` TO `analysts`",
        "revoke select on table c.gold.x from `g`",
        "ALTER TABLE `c`.`silver`.`dim_customer` SET TAGS ('pii' = 'true')",
        "alter table c.s.t alter column email set tags ('pii' = 'email')",
        "ALTER TABLE c.s.t ALTER COLUMN email SET MASK c.governance.mask_email",
        "alter table c.s.t set row filter c.governance.region_filter on (country_code)",
        "create or replace function c.governance.mask_email(v string) returns string return v",
        "alter table c.s.t set tblproperties ('delta.enableChangeDataFeed' = 'true')",
        "alter table c.s.t cluster by (order_day)",
        "optimize c.s.t",
        "VACUUM c.s.t RETAIN 168 HOURS",
        "comment on table c.s.t is 'x'",
        "alter table c.s.t alter column a comment 'x'",
        "alter table c.s.t add constraint t_pk primary key (id) not enforced",
        "alter table c.s.t drop constraint if exists positive",
    ],
)
def test_databricks_only_statements_are_not_sent(statement):
    sent, applied = rewrite_for_sail(f'/* {{"node_id": "x"}} */\n{statement}')
    assert sent is None and applied == []


@pytest.mark.parametrize(
    "statement",
    [
        "select * from c.s.t",
        "merge into c.s.t as t using s on t.a = s.a when matched then update set *",
        "insert into c.s.t select * from c.s.u",
        "create or replace view c.s.v as select 1 as a",
        "alter table c.s.t add columns (b string)",
        "alter table c.s.t add constraint positive check (amount >= 0)",
    ],
)
def test_ordinary_statements_are_sent_unchanged(statement):
    assert rewrite_for_sail(statement) == (statement, [])


def test_every_entry_says_why():
    assert all(len(entry.reason) > 20 for entry in [*NOT_SENT, *REWRITES])
    assert len(REWRITES) <= 5  # the list stays short


def test_delta_clauses_are_stripped_from_create_only_in_the_header():
    sent, applied = rewrite_for_sail(
        "create or replace table c.s.t (id bigint, email string mask c.g.mask_email "
        "using columns (id)) using delta tblproperties ('a' = 'b', 'c' = 'd') "
        "cluster by (id) with row filter c.g.region on (id) "
        "as select 'tblproperties (x)' as note"
    )
    assert applied == ["Delta-only CREATE clauses"]
    normalized = " ".join(sent.split())
    assert normalized == (
        "create or replace table c.s.t (id bigint, email string ) using delta as "
        "select 'tblproperties (x)' as note"
    )


def test_contract_key_constraints_are_stripped_and_not_null_kept():
    # dbt-databricks' enforced contract: hash-named informational keys in the column list.
    sent, applied = rewrite_for_sail(
        "create or replace table `c`.`s`.`t` ( `id` bigint NOT NULL, `cid` bigint,\n"
        "  CONSTRAINT 70537a27087c8a5a8be57247beb868fa PRIMARY KEY (id),\n"
        "  CONSTRAINT fk_1 FOREIGN KEY (cid) REFERENCES `c`.`s`.`customers` (id)\n"
        ") using delta"
    )
    assert applied == ["Delta-only CREATE clauses"]
    assert " ".join(sent.split()) == (
        "create or replace table `c`.`s`.`t` ( `id` bigint NOT NULL, `cid` bigint ) using delta"
    )


def test_qualify_becomes_a_filter_over_a_window_with_the_same_rows():
    query = "select k, v from t qualify row_number() over (partition by k order by v desc) = 1"
    sent, applied = rewrite_for_sail(query)
    assert applied == ["QUALIFY -> window subquery"]
    assert "qualify" not in sent.lower()
    con = duckdb.connect()
    con.execute("create table t as select * from (values (1, 5), (1, 7), (2, 3), (2, 1)) v(k, v)")
    rewritten = sqlglot.transpile(sent, read="databricks", write="duckdb")[0]
    assert sorted(con.execute(rewritten).fetchall()) == sorted(con.execute(query).fetchall())
    assert sorted(con.execute(rewritten).fetchall()) == [(1, 7), (2, 3)]


def test_qualify_inside_a_create_as_select_keeps_the_header():
    sent, _ = rewrite_for_sail(
        "create or replace temporary view v__dbt_tmp as select a from t "
        "qualify row_number() over (order by a) = 1"
    )
    assert sent.lower().startswith("create or replace temporary view v__dbt_tmp as")
    assert "qualify" not in sent.lower()


def test_dayofweek_parts_follow_databricks_numbering():
    rewritten = dayofweek_part(
        "select date_part('dayofweek', d) as dow, date_part('dayofweek_iso', cast(d as date)) "
        "as iso from days"
    )
    assert "date_part" not in rewritten
    con = duckdb.connect()
    # 2025-01-05 is a Sunday: Databricks dayofweek 1, dayofweek_iso 7; Monday 2 and 1.
    con.execute("create table days as select * from (values (date '2025-01-05'), "
                "(date '2025-01-06')) v(d)")  # fmt: skip
    # DuckDB's dayofweek is 0 = Sunday: shift to Spark's 1 = Sunday before evaluating.
    con.create_function("dow_spark", lambda d: d.isoweekday() % 7 + 1, ["DATE"], "INTEGER")
    evaluated = rewritten.replace("dayofweek(", "dow_spark(")
    assert con.execute(evaluated + " order by d").fetchall() == [(1, 7), (2, 1)]


def test_by_name_is_dropped_only_before_replace_where():
    sent, applied = rewrite_for_sail(
        "insert into c.s.t by name replace where d >= '2025-01-01' select * from c.s.u"
    )
    assert sent == "insert into c.s.t replace where d >= '2025-01-01' select * from c.s.u"
    assert applied == ["INSERT BY NAME REPLACE WHERE"]
    assert rewrite_for_sail("insert into c.s.t by name select * from u")[1] == []


def test_read_files_arguments_are_parsed():
    call = parse_read_files_args(
        "\n '/v/orders/batch=*/*.jsonl', format => 'json', mode => 'PERMISSIVE',\n"
        " modifiedAfter => '2026-01-02T03:04:05', schema => '`a` STRING, `_corrupt_record` STRING'"
    )
    assert call.path == "/v/orders/batch=*/*.jsonl"
    assert call.options == {
        "format": "json",
        "mode": "PERMISSIVE",
        "modifiedafter": "2026-01-02T03:04:05",
        "schema": "`a` STRING, `_corrupt_record` STRING",
    }


def test_permissive_csv_matches_header_names_and_keeps_malformed_rows(tmp_path):
    folder = tmp_path / "orders" / "batch=b0000"
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text(
        'status,order_id,extra\nshipped,1,x\n\n"placed, late",2,y\ntoo,few\nunterminated,"3,z\n'
    )
    call = ReadFilesCall(
        str(tmp_path / "orders" / "batch=*" / "*.csv"),
        {
            "format": "csv",
            "header": "true",
            "rescueddatacolumn": "_rescued_data",
            "schema": "`order_id` STRING, `status` STRING, `_corrupt_record` STRING",
        },
    )
    rows = permissive_table(call).to_pylist()
    assert [(r["order_id"], r["status"], r["_corrupt_record"]) for r in rows] == [
        ("1", "shipped", None),
        ("2", "placed, late", None),
        (None, None, "too,few"),
        (None, None, 'unterminated,"3,z'),
    ]
    assert {r["_metadata"]["file_path"] for r in rows} == {f"file:{folder / 'orders.csv'}"}


def test_permissive_json_keeps_number_text_and_corrupt_lines(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_text('{"id": 7, "price": 10.50, "ok": true}\n[1, 2]\nnot json\n{"id": null}\n')
    call = ReadFilesCall(
        str(path),
        {"format": "json", "schema": "`id` STRING, `price` STRING, `ok` STRING, "
         "`_corrupt_record` STRING"},
    )  # fmt: skip
    rows = [(r["id"], r["price"], r["ok"], r["_corrupt_record"]) for r in
            permissive_table(call).to_pylist()]  # fmt: skip
    assert rows == [
        ("7", "10.50", "true", None),
        (None, None, None, "[1, 2]"),
        (None, None, None, "not json"),
        (None, None, None, None),
    ]


def test_modified_after_skips_older_files(tmp_path):
    old, new = tmp_path / "a.csv", tmp_path / "b.csv"
    old.write_text("x\n1\n")
    new.write_text("x\n2\n")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    os.utime(old, (base, base))
    os.utime(new, (base + 3600, base + 3600))
    call = ReadFilesCall(str(tmp_path / "*.csv"), {"modifiedafter": "2026-01-01T00:30:00"})
    assert list_files(call) == [str(new)]
    assert list_files(ReadFilesCall(str(tmp_path / "*.csv"), {})) == [str(old), str(new)]
