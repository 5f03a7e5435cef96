"""`dbt run-operation migrate_renamed_models` as Databricks receives it, recorded offline.

The real dbt-databricks adapter runs in-process against the fake warehouse
(tests/databricks_harness). The old relations of vars.renamed_models are created in its
catalog first (with a grant, a table tag and a column mask, as Unity Catalog would hold them),
in the catalog and schema the models are built into on the `prod` target. Asserted from the
statements sent: a dry run sends no DDL; the migration sends exactly one
`ALTER TABLE <catalog>.silver.<old> RENAME TO <catalog>.silver.<new>` per old table (never a
CREATE, DROP or INSERT of the table: the same Delta table is renamed, so its history stays)
and `DROP VIEW` for an old view; a second run sends no DDL; old and new both present fail
naming both and send no DDL. Every DDL statement parses with sqlfluff's databricks dialect.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, RecordedStatement, record_dbt
from databricks_harness.catalog import Session
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile
from databricks_harness.sql_parse import parse_error
from databricks_harness.sql_text import split_qname, strip_leading_comments

PROJECT = Path(__file__).resolve().parents[2]
CATALOG, SCHEMA, TARGET = "lakehouse_bi_ci", "ci", "prod"
LAYER = "silver"  # the renamed models' schema on a shared target (generate_schema_name)
MASK = f"{CATALOG}.governance.mask_email"
_DDL = re.compile(r"\A(?:create|drop|alter|insert|merge|replace|truncate)\b", re.I)
_RENAME = re.compile(
    r"\Aalter\s+table\s+(?P<old>\S+)\s+rename\s+to\s+(?P<new>\S+)\s*\Z", re.I | re.S
)


@dataclass
class Recorded:
    warehouse: FakeWarehouse
    dry_run: list[RecordedStatement]
    migrate: list[RecordedStatement]
    again: list[RecordedStatement]
    conflict: list[RecordedStatement]
    conflict_log: str


def _renames() -> dict[str, str]:
    return yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]["renamed_models"]


def _qualified(name: str) -> str:
    return f"`{CATALOG}`.`{LAYER}`.`{name}`"


def _seed(warehouse: FakeWarehouse, *statements: str) -> None:
    session = Session(CATALOG, SCHEMA)
    for statement in statements:
        assert warehouse.catalog.apply(statement, session), statement


def _old_table(name: str) -> list[str]:
    return [
        f"create table {_qualified(name)} (order_id bigint, email string) using delta",
        f"grant select on table {_qualified(name)} to `lakehouse_bi_analysts`",
        f"alter table {_qualified(name)} set tags ('layer' = 'silver')",
        f"alter table {_qualified(name)} alter column email set mask {MASK}",
    ]


def _ddl(statements: list[RecordedStatement]) -> list[str]:
    bodies = (strip_leading_comments(s.sql).strip() for s in statements if not s.is_metadata_call)
    return [b for b in bodies if _DDL.match(b)]


def _names(qname: str) -> tuple[str, ...]:
    return tuple(split_qname(qname))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Recorded:
    if not (PROJECT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` (lakehouse-bi deps) first")
    root = tmp_path_factory.mktemp("rename_migration_recorded")
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema=SCHEMA, target=TARGET)
    warehouse = FakeWarehouse(CATALOG, SCHEMA)
    _seed(warehouse, f"create schema if not exists `{CATALOG}`.`{LAYER}`")
    _seed(warehouse, *_old_table("fact_order"), *_old_table("fact_order_line"))
    _seed(warehouse, f"create view {_qualified('fact_web_event')} as select 1 as event_id")

    def run(label: str, *args: str, allow_failure: bool = False) -> list[RecordedStatement]:
        return record_dbt(
            project, profiles, ["run-operation", "migrate_renamed_models", *args],
            warehouse=warehouse, label=label, target_path=root / "target",
            log_path=root / label, allow_failure=allow_failure,
        )  # fmt: skip

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
        dry_run = run("dry_run", "--args", json.dumps({"dry_run": True}))
        migrate = run("migrate")
        again = run("again")
        # The old name comes back beside the migrated table: a person must decide.
        _seed(warehouse, *_old_table("fact_order"))
        conflict = run("conflict", allow_failure=True)
    conflict_log = (root / "conflict" / "dbt.log").read_text()
    return Recorded(warehouse, dry_run, migrate, again, conflict, conflict_log)


def test_dry_run_sends_no_ddl(recorded):
    assert _ddl(recorded.dry_run) == []


def test_each_old_table_is_renamed_by_one_alter_table(recorded):
    renames = [m for b in _ddl(recorded.migrate) if (m := _RENAME.match(b))]
    assert sorted((_names(m["old"]), _names(m["new"])) for m in renames) == [
        ((CATALOG, LAYER, "fact_order"), (CATALOG, LAYER, "fct_order")),
        ((CATALOG, LAYER, "fact_order_line"), (CATALOG, LAYER, "fct_order_line")),
    ]
    others = [b for b in _ddl(recorded.migrate) if not _RENAME.match(b)]
    # The old view has no history: dropped, not renamed; nothing is created or copied.
    assert len(others) == 1 and re.match(r"\Adrop\s+view\b", others[0], re.I), others
    assert _names(others[0].split()[-1]) == (CATALOG, LAYER, "fact_web_event")
    assert _renames()["fact_web_event"] == "fct_web_event"


def test_renamed_tables_keep_grants_tags_and_masks_in_the_catalog(recorded):
    catalog = recorded.warehouse.catalog
    for new in ("fct_order", "fct_order_line"):
        table = catalog.objects[(CATALOG, LAYER, new)]
        assert ("lakehouse_bi_analysts", "SELECT") in table.grants
        assert table.tags == {"layer": "silver"}
        assert table.column("email").mask == MASK
    assert (CATALOG, LAYER, "fact_order_line") not in catalog.objects
    assert (CATALOG, LAYER, "fact_web_event") not in catalog.objects


def test_second_run_sends_no_ddl(recorded):
    assert _ddl(recorded.again) == []


def test_both_present_fails_naming_both_and_sends_no_ddl(recorded):
    assert _ddl(recorded.conflict) == []
    log = recorded.conflict_log
    assert f"both {_qualified('fact_order')} (the old name of model fct_order)" in log
    assert f"and {_qualified('fct_order')} exist" in log


def test_ddl_parses_with_sqlfluff_databricks(recorded):
    bodies = _ddl(recorded.migrate)
    assert len(bodies) == 3
    failures = {b: e for b in bodies if (e := parse_error(b)) is not None}
    assert failures == {}
