"""packages/lakehouse/macros/governance/: mask expressions, group membership, the row filter,
policy functions and grants per engine. DuckDB's policy macros are created and queried for real."""

from __future__ import annotations

import hashlib

import duckdb
import pytest
import sqlfluff
from macro_render import CompilationError, MacroHarness, normalize_sql

SEEDS = {
    "region_access": {"role": "varchar", "country_code": "varchar"},
    "governance_personas": {"persona": "varchar", "role": "varchar"},
}


def seed_graph():
    nodes = {}
    for name, column_types in SEEDS.items():
        nodes[f"seed.lakehouse_bi.{name}"] = {
            "unique_id": f"seed.lakehouse_bi.{name}",
            "name": name,
            "alias": name,
            "resource_type": "seed",
            "package_name": "lakehouse_bi",
            "database": "lakehouse_bi",
            "schema": "reference",
            "original_file_path": f"seeds/{name}.csv",
            "config": {"column_types": column_types},
        }
    return {"nodes": nodes, "sources": {}}


# -- mask expressions --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("email", "jane.doe@example.com", "****@example.com"),
        ("phone", "+1 555 0134", "*********34"),
        ("phone", "12", "*12"),
        ("name", "Jane", "J***"),
        ("partial", "ABCDEF", "AB****"),
        ("partial", "A", "A*"),
        ("null", "secret", None),
    ],
)
def test_mask_expressions_on_duckdb(kind, value, masked):
    sql = MacroHarness("duckdb").call("governance_mask_expression", kind, "v")
    con = duckdb.connect()
    assert con.execute(f"select {sql} from (select ? as v)", [value]).fetchone()[0] == masked
    assert con.execute(f"select {sql} from (select null::varchar as v)").fetchone()[0] is None


MASK_CASES = [
    ("email", "jane.doe@example.com"),
    ("phone", "+1 555 0134"),
    ("phone", "12"),
    ("name", "Jane"),
    ("partial", "ABCDEF"),
    ("partial", "A"),
    ("hash", "jane.doe@example.com"),
    ("null", "secret"),
]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.parametrize(("kind", "value"), MASK_CASES)
def test_mask_expressions_agree_between_duckdb_and_sail(sail_spark, kind, value):
    duck = MacroHarness("duckdb").call("governance_mask_expression", kind, "v")
    bricks = MacroHarness("databricks").call("governance_mask_expression", kind, "v")
    con = duckdb.connect()
    in_duckdb = con.execute(f"select {duck} from (select ? as v)", [value]).fetchall()[0][0]
    literal = "'" + value.replace("'", "\\'") + "'"
    on_sail = sail_spark.sql(
        f"select {bricks} as m from (select col1 as v from values ({literal}))"
    ).collect()[0][0]
    assert on_sail == in_duckdb
    null_on_sail = sail_spark.sql(
        f"select {bricks} as m from (select cast(null as string) as v)"
    ).collect()[0][0]
    assert null_on_sail is None


def test_hash_mask_per_engine():
    duck = MacroHarness("duckdb").call("governance_mask_expression", "hash", "v")
    assert duck == "sha256(v)"
    digest = duckdb.sql(f"select {duck} from (select 'a' as v)").fetchall()[0][0]
    assert digest == hashlib.sha256(b"a").hexdigest()
    assert MacroHarness("databricks").call("governance_mask_expression", "hash", "v") == (
        "sha2(v, 256)"
    )


def test_null_mask_type_per_engine():
    assert MacroHarness("duckdb").call("governance_mask_expression", "null", "v") == (
        "cast(null as TEXT)"
    )
    assert MacroHarness("databricks").call("governance_mask_expression", "null", "v") == (
        "cast(null as string)"
    )


def test_unknown_mask_kind_is_an_error():
    with pytest.raises(CompilationError, match="Unknown mask kind 'ssn'; known: email, phone"):
        MacroHarness("databricks").call("governance_mask_expression", "ssn", "v")


# -- membership and the row filter -------------------------------------------------------------
def test_membership_per_engine():
    assert MacroHarness("databricks").call("governance_is_member_sql", "'g'") == (
        "is_account_group_member('g')"
    )
    assert MacroHarness("duckdb").call("governance_is_member_sql", "'g'") == (
        "governance.is_account_group_member('g')"
    )


def test_member_of_any_role_resolves_groups_from_vars():
    harness = MacroHarness("databricks")
    sql = harness.call("governance_member_of_any_role_sql", ["pii_readers", "admins"], "vars.x")
    assert sql == (
        "(is_account_group_member('lakehouse_bi_pii_readers') or "
        "is_account_group_member('lakehouse_bi_admins'))"
    )
    assert harness.call("governance_member_of_any_role_sql", [], "vars.x") == "(false)"
    with pytest.raises(CompilationError, match=r"vars\.x\[1\]: unknown group role 'auditors'"):
        harness.call("governance_member_of_any_role_sql", ["admins", "auditors"], "vars.x")


def test_group_names_must_be_plain_identifiers():
    harness = MacroHarness("databricks", vars={"governance_groups": {"admins": "x'; drop"}})
    with pytest.raises(CompilationError, match="is not a plain SQL identifier"):
        harness.call("governance_group", "admins", "here")


def test_row_filter_sql_per_engine():
    harness = MacroHarness("databricks")
    region_access = harness.relation("region_access", "reference")
    sql = normalize_sql(harness.call("governance_row_access_sql", region_access, "c"))
    assert sql.startswith(
        "exists ( select 1 from `lakehouse_bi_dev`.`reference`.`region_access` as access "
        "where access.country_code in ('*', c) and is_account_group_member(case access.role "
        "when 'admins' then 'lakehouse_bi_admins' when 'analysts' then 'lakehouse_bi_analysts'"
    )
    assert sql.endswith("when 'pii_readers' then 'lakehouse_bi_pii_readers' end) )")
    duck = MacroHarness("duckdb")
    sql = normalize_sql(duck.call("governance_row_access_sql", duck.relation("ra", "r"), "c"))
    assert 'from "lakehouse_bi"."r"."ra" as access' in sql
    assert "and governance.is_account_group_member(case access.role" in sql


def test_row_filter_config_is_checked():
    harness = MacroHarness("databricks")
    model = {
        "name": "fct",
        "resource_type": "model",
        "patch_path": "p://models/x.yml",
        "config": {
            "row_filter": {
                "function": "governance.row_access_by_country",
                "columns": ["country_code"],
            }
        },
    }
    assert harness.call("governance_row_filter", model) == {
        "function": "row_access_by_country",
        "columns": ["country_code"],
    }
    model["config"]["row_filter"]["function"] = "other.row_access_by_country"
    with pytest.raises(
        CompilationError,
        match=r"models/x\.yml: models\[fct\]\.config\.row_filter"
        r"\.function: 'other\.row_access_by_country' must name a function",
    ):
        harness.call("governance_row_filter", model)


# -- policy functions --------------------------------------------------------------------------
def test_databricks_policy_functions():
    harness = MacroHarness("databricks", graph=seed_graph())
    harness.call("databricks__governance_create_policy_functions")
    mask_email = normalize_sql(harness.statements["governance_mask_email"])
    assert mask_email == (
        "create or replace function `lakehouse_bi_dev`.`governance`.`mask_email`(value string) "
        "returns string comment 'lakehouse-bi column mask (email): clear for the unmasked "
        "roles' return case when (is_account_group_member('lakehouse_bi_pii_readers') or "
        "is_account_group_member('lakehouse_bi_admins')) then value else "
        "regexp_replace(value, '^[^@]*', '****') end"
    )
    row_filter = normalize_sql(harness.statements["governance_row_access_by_country"])
    assert row_filter.startswith(
        "create or replace function `lakehouse_bi_dev`.`governance`.`row_access_by_country`( "
        "row_country_code string ) returns boolean"
    )
    assert "from `lakehouse_bi`.`reference`.`region_access` as access" in row_filter
    assert normalize_sql(harness.statements["governance_ensure_region_access"]) == (
        "create table if not exists `lakehouse_bi`.`reference`.`region_access` "
        "(`role` varchar, `country_code` varchar)"
    )


def test_duckdb_policy_macros_mask_and_filter_per_persona():
    harness = MacroHarness("duckdb", graph=seed_graph())
    harness.call("duckdb__governance_create_policy_functions")
    con = duckdb.connect()
    con.execute("attach ':memory:' as lakehouse_bi; use lakehouse_bi")
    con.execute("create schema reference; create schema governance")
    for statement in harness.queries:
        con.execute(statement)
    con.execute(
        "insert into reference.governance_personas values "
        "('dpo', 'pii_readers'), ('analyst_eu', 'analysts_europe')"
    )
    con.execute("insert into reference.region_access values ('analysts_europe', 'DE')")

    def as_persona(persona, sql):
        con.execute(f"set variable lakehouse_persona = '{persona}'")
        return con.execute(sql).fetchone()[0]

    email = "select governance.mask_email('jane@example.com')"
    assert as_persona("dpo", email) == "jane@example.com"
    assert as_persona("analyst_eu", email) == "****@example.com"
    assert as_persona("analyst_eu", "select governance.row_access_by_country('DE')") is True
    assert as_persona("analyst_eu", "select governance.row_access_by_country('FR')") is False
    assert as_persona("nobody", "select governance.mask_name('Jane')") == "J***"


def test_duckdb_governed_view_applies_masks_and_row_filter():
    model = {
        "name": "dim_customer",
        "resource_type": "model",
        "original_file_path": "m.sql",
        "config": {
            "materialized": "table",
            "row_filter": {
                "function": "governance.row_access_by_country",
                "columns": ["country_code"],
            },
        },
        "columns": {
            "email": {"name": "email", "column_mask": {"function": "governance.mask_email"}}
        },
    }
    harness = MacroHarness("duckdb", model=model)
    harness.relation_columns["model_under_test"] = ["customer_id", "email", "country_code"]
    assert harness.call("governance_apply_model_policy") == ""
    assert normalize_sql(harness.statements["governance_governed_view"]) == (
        'create or replace view "lakehouse_bi"."main_governed"."model_under_test" as select '
        '"customer_id", governance.mask_email("email") as "email", "country_code" from '
        '"lakehouse_bi"."main"."model_under_test" as governed_source where '
        'governance.row_access_by_country( governed_source."country_code" )'
    )


def test_policy_column_missing_from_the_relation_is_an_error():
    model = {
        "name": "dim_customer",
        "resource_type": "model",
        "original_file_path": "m.sql",
        "config": {"materialized": "table"},
        "columns": {"mail": {"name": "mail", "column_mask": {"function": "governance.mask_email"}}},
    }
    harness = MacroHarness("databricks", model=model)
    harness.relation_columns["model_under_test"] = ["email"]
    with pytest.raises(
        CompilationError, match=r"columns\[mail\]\.column_mask: column mail does not"
    ):
        harness.call("governance_apply_model_policy")


# -- grants ------------------------------------------------------------------------------------
def test_databricks_grants_resolve_roles_then_use_dbt_apply_grants():
    harness = MacroHarness("databricks")
    relation = harness.relation("fct_sales", "gold")
    apply_grants = harness.context["adapter"].dispatch("apply_grants", "dbt")
    apply_grants(relation, {"select": ["analysts", "bi_viewers"], "MODIFY": []})
    assert harness.grant_calls == [
        (
            relation,
            {"select": ["lakehouse_bi_analysts", "lakehouse_bi_bi_viewers"], "modify": []},
            True,
        )
    ]


def test_duckdb_grants_are_resolved_and_logged_only():
    harness = MacroHarness("duckdb")
    harness.call("duckdb__apply_grants", harness.relation("t"), {"select": "admins"})
    assert harness.grant_calls == [] and harness.queries == []
    assert harness.logs == [
        'grants on "lakehouse_bi"."main"."t" (enforced on Databricks only): '
        "{'select': ['lakehouse_bi_admins']}"
    ]


@pytest.mark.parametrize("engine", ["duckdb", "databricks"])
def test_grants_reject_unknown_privileges_and_roles(engine):
    harness = MacroHarness(
        engine, model={"name": "fct_sales", "original_file_path": "models/gold/fct_sales.sql"}
    )
    relation = harness.relation("fct_sales")
    with pytest.raises(
        CompilationError,
        match=r"grants of model fct_sales \(dbt_project\.yml or "
        r"models/gold/fct_sales\.sql\): unknown privilege 'usage'",
    ):
        harness.call(f"{engine}__apply_grants", relation, {"usage": ["admins"]})
    with pytest.raises(CompilationError, match=r"\.select: unknown group role 'everyone'"):
        harness.call(f"{engine}__apply_grants", relation, {"select": ["everyone"]})


def test_databricks_column_tags_set_only_where_they_differ():
    model = {
        "name": "dim_customer",
        "resource_type": "model",
        "original_file_path": "m.sql",
        "config": {"materialized": "table"},
        "columns": {
            "email": {"name": "email", "meta": {"classification": "pii"}},
            "segment": {"name": "segment", "meta": {"classification": "internal"}},
            "id": {"name": "id"},
        },
    }
    harness = MacroHarness("databricks", model=model)
    harness.relation_columns["model_under_test"] = ["id", "email", "segment"]
    harness.override(
        "fetch_column_tags",
        lambda relation: [
            ("EMAIL", "classification", "pii"),
            ("segment", "classification", "public"),
        ],
    )
    harness.override(
        "alter_set_column_tags",
        lambda relation, column, tags: (
            f"alter table {relation} alter column `{column}` set tags ('classification' = "
            f"'{tags['classification']}')"
        ),
    )
    assert harness.call("governance_apply_model_policy") == ""
    assert [normalize_sql(q) for q in harness.queries] == [
        "alter table `lakehouse_bi_dev`.`main`.`model_under_test` alter column `segment` set tags "
        "('classification' = 'internal')"
    ]


def test_unknown_classification_names_the_yaml_key():
    model = {
        "name": "m",
        "resource_type": "model",
        "patch_path": "proj://models/m.yml",
        "columns": {"c": {"name": "c", "meta": {"classification": "secret"}}},
    }
    with pytest.raises(
        CompilationError,
        match=r"models/m\.yml: models\[m\]\.columns\[c\]\.meta"
        r"\.classification: unknown classification 'secret'",
    ):
        MacroHarness("databricks").call("governance_column_classifications", model)


def test_a_snapshot_gets_its_column_tags_a_seed_none():
    """snap_customers is classified like a model (issue 24): its post-hook tags its columns."""

    def tags_sent(resource_type: str) -> list[str]:
        node = {
            "name": "snap_customers",
            "resource_type": resource_type,
            "original_file_path": "snapshots/_snapshots.yml",
            "config": {"materialized": resource_type},
            "columns": {"email": {"name": "email", "meta": {"classification": "pii"}}},
        }
        harness = MacroHarness("databricks", model=node)
        harness.relation_columns["model_under_test"] = ["customer_id", "email"]
        harness.override("fetch_column_tags", lambda relation: [])
        harness.override(
            "alter_set_column_tags",
            lambda relation, column, tags: (
                f"alter table {relation} alter column `{column}` set tags "
                f"('classification' = '{tags['classification']}')"
            ),
        )
        assert harness.call("governance_apply_model_policy") == ""
        return [normalize_sql(q) for q in harness.queries]

    assert tags_sent("snapshot") == [
        "alter table `lakehouse_bi_dev`.`main`.`model_under_test` alter column `email` set tags "
        "('classification' = 'pii')"
    ]
    assert tags_sent("seed") == []


# -- the pseudonymising hash -------------------------------------------------------------------
HASHED = ["jane.doe@example.com", "", "it's", "ünïcödé ✓"]


@pytest.mark.parametrize("text", HASHED)
def test_sha256_sql_on_duckdb_is_the_sha256_hex_digest(text):
    sql = MacroHarness("duckdb").call("governance_sha256_sql", "v")
    assert sql == "sha256(v)"
    con = duckdb.connect()
    digest = con.execute(f"select {sql} from (select ? as v)", [text]).fetchone()[0]
    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert con.execute(f"select {sql} from (select null::varchar as v)").fetchone()[0] is None


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.parametrize("text", HASHED)
def test_sha256_sql_on_sail_is_the_sha256_hex_digest(sail_spark, text):
    harness = MacroHarness("databricks")
    sql = harness.call("governance_sha256_sql", "v")
    assert sql == "sha2(v, 256)"
    literal = harness.call("sql_string_literal", text)
    digest = sail_spark.sql(f"select {sql} as h from (select {literal} as v)").collect()[0][0]
    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    null = sail_spark.sql(f"select {sql} as h from (select cast(null as string) as v)")
    assert null.collect()[0][0] is None


# -- the on-run-start hook: policy functions in the configured governance schema ---------------
GOVERNED_MODEL = "model.lakehouse_bi.dim_customer"


def governed_graph(schema: str) -> dict:
    """The governance seeds and one governed model whose policies name ``schema``."""
    graph = seed_graph()
    graph["nodes"][GOVERNED_MODEL] = {
        "unique_id": GOVERNED_MODEL,
        "name": "dim_customer",
        "resource_type": "model",
        "package_name": "lakehouse_bi",
        "patch_path": "lakehouse_bi://models/silver/_silver__models.yml",
        "config": {
            "databricks_tags": {"classification": "pii"},
            "row_filter": {
                "function": f"{schema}.row_access_by_country",
                "columns": ["country_code"],
            },
        },
        "columns": {
            "email": {
                "name": "email",
                "meta": {"classification": "pii"},
                "column_mask": {"function": f"{schema}.mask_email"},
            },
            "country_code": {"name": "country_code"},
        },
    }
    return graph


def policy_hook(engine: str, schema: str, selected: list[str]) -> MacroHarness:
    """The hook run with vars.governance_schema = ``schema`` and ``selected`` resources."""
    harness = MacroHarness(engine, vars={"governance_schema": schema}, graph=governed_graph(schema))
    harness.context["selected_resources"] = selected
    assert harness.call("governance_create_policy_functions") == ""
    return harness


def test_databricks_hook_creates_the_functions_in_the_configured_schema():
    harness = policy_hook("databricks", "policy_fns", [GOVERNED_MODEL])
    schemas = [call[1].schema for call in harness.adapter_calls if call[0] == "create_schema"]
    assert schemas == ["policy_fns", "reference"]
    assert harness.adapter_calls[-1] == ("commit",)
    created = {
        name: normalize_sql(sql)
        for name, sql in harness.statements.items()
        if name.startswith("governance_mask_") or name == "governance_row_access_by_country"
    }
    assert sorted(created) == [
        "governance_mask_email",
        "governance_mask_hash",
        "governance_mask_name",
        "governance_mask_null",
        "governance_mask_partial",
        "governance_mask_phone",
        "governance_row_access_by_country",
    ]
    for name, sql in created.items():
        function = name.removeprefix("governance_")
        assert sql.startswith(
            f"create or replace function `lakehouse_bi_dev`.`policy_fns`.`{function}`("
        ), sql
        sqlfluff.parse(sql, dialect="databricks")
    assert created["governance_mask_hash"].endswith("then value else sha2(value, 256) end"), (
        created["governance_mask_hash"]
    )
    assert "`governance`" not in " ".join(created.values())


def test_duckdb_hook_creates_working_macros_in_the_configured_schema():
    harness = policy_hook("duckdb", "policy_fns", [GOVERNED_MODEL])
    assert [c[1].schema for c in harness.adapter_calls if c[0] == "create_schema"] == [
        "policy_fns",
        "reference",
        "reference",
    ]
    assert harness.adapter_calls[-1] == ("commit",)
    con = duckdb.connect()
    con.execute("attach ':memory:' as lakehouse_bi; use lakehouse_bi")
    con.execute("create schema reference; create schema policy_fns")
    for statement in harness.queries:
        con.execute(statement)
    con.execute("insert into reference.governance_personas values ('dpo', 'pii_readers')")
    con.execute("set variable lakehouse_persona = 'nobody'")
    email = "jane@example.com"
    masked = con.execute("select policy_fns.mask_hash(?)", [email]).fetchone()[0]
    assert masked == hashlib.sha256(email.encode()).hexdigest()
    con.execute("set variable lakehouse_persona = 'dpo'")
    assert con.execute("select policy_fns.mask_hash(?)", [email]).fetchone()[0] == email
    macros = con.execute(
        "select distinct schema_name from duckdb_functions() "
        "where function_name in ('mask_email', 'row_access_by_country', 'is_account_group_member')"
    ).fetchall()
    assert macros == [("policy_fns",)]


@pytest.mark.parametrize("engine", ["duckdb", "databricks"])
def test_hook_creates_nothing_when_no_governed_model_is_selected(engine):
    harness = policy_hook(engine, "policy_fns", ["model.lakehouse_bi.fct_sales"])
    assert harness.queries == [] and harness.adapter_calls == []
