"""The sales metric view on Databricks, offline: the real dbt-databricks adapter (its own
`metric_view` materialization) runs `dbt run --select sales_metrics` three times against the
fake Unity Catalog of tests/databricks_harness -- fresh, unchanged, then with one measure's
comment edited -- and the recorded SQL is checked:

- the fresh run creates it with CREATE OR REPLACE VIEW ... WITH METRICS LANGUAGE YAML AS $$
  <yaml> $$, which sqlfluff's databricks dialect parses; the YAML inside follows the metric
  view spec (lakehouse_bi.semantic.metric_view) and reads the gold fct_sales and the
  reference seeds of the target's catalog;
- the gold folder's grants (groups resolved from roles) and table tags are applied; no Delta
  table properties are set on the view;
- with `view_update_via_alter`, an unchanged definition is left alone (the adapter compares
  the YAML it reads back from DESCRIBE TABLE EXTENDED's View Text) and a changed one is
  altered in place with ALTER VIEW ... AS $$ <yaml> $$ -- which sqlfluff 4.4 cannot parse yet
  (a known gap, below).

Not provable offline: that Databricks accepts this YAML (spec conformance is checked against
the documented fields only) and the numbers it returns; docs/DATABRICKS.md, "Metric views".
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds databricks_harness

from databricks_harness import FakeWarehouse, record_dbt
from databricks_harness.runner import TOKEN_ENV_VAR, copy_project, write_profile
from databricks_harness.sql_parse import parse_error
from lakehouse_bi.semantic.metric_view import parse_definition

PROJECT = Path(__file__).resolve().parents[2]
CATALOG, SCHEMA, TARGET = "lakehouse_bi_ci", "ci", "prod"
RELATION = f"`{CATALOG}`.`gold`.`sales_metrics`"
CREATE = re.compile(
    rf"\Acreate or replace view {re.escape(RELATION)}\s+with metrics\s+language yaml\s+"
    r"as \$\$\n(?P<yaml>.*)\n\$\$\Z",
    re.DOTALL,
)
# sqlfluff 4.4's databricks dialect parses CREATE VIEW ... WITH METRICS LANGUAGE YAML AS $$..$$
# but not the ALTER VIEW ... AS $$..$$ dbt-databricks sends when the YAML changes
# (relations/metric_view/alter.sql): Databricks' syntax "ALTER VIEW ... AS" takes a query there.
KNOWN_SQLFLUFF_GAP = re.compile(r"\Aalter view \S+ as \$\$", re.I)
COMMENT = "comment: Net amount after discounts of the revenue-bearing order lines."
EDITED = "comment: Net amount after discounts of the revenue-bearing order lines (edited)."


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(warehouse, {label: statements}) of the three runs."""
    if not (PROJECT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` (lakehouse-bi deps) first")
    root = tmp_path_factory.mktemp("metric_view_recorded")
    project = copy_project(PROJECT, root / "project")
    profiles = root / "profiles"
    write_profile(profiles, "lakehouse_bi", catalog=CATALOG, schema=SCHEMA, target=TARGET)
    warehouse = FakeWarehouse(CATALOG, SCHEMA)
    paths = {"target_path": root / "target", "log_path": root / "logs"}
    select = ["run", "--select", "sales_metrics"]
    recorded = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TOKEN_ENV_VAR, "dapi-offline-fake-token")
        for label in ("fresh", "unchanged", "changed"):
            if label == "changed":  # an edited file keeps dbt's partial parse (a --vars does not)
                model = project / "models" / "gold" / "sales_metrics.sql"
                assert COMMENT in model.read_text()
                model.write_text(model.read_text().replace(COMMENT, EDITED))
            recorded[label] = record_dbt(
                project, profiles, select, warehouse=warehouse, label=label, **paths
            )
    return warehouse, recorded


def _own(statements, kind_prefix: str = "") -> list:
    return [
        s
        for s in statements
        if s.node_id == "model.lakehouse_bi.sales_metrics"
        and not s.is_metadata_call
        and s.kind.startswith(kind_prefix)
    ]


def _body(statement) -> str:
    return statement.body.strip().rstrip(";")


def test_fresh_run_creates_the_metric_view_with_the_models_yaml(runs):
    _, recorded = runs
    (create,) = _own(recorded["fresh"], "CREATE")
    assert create.kind == "CREATE METRIC VIEW"
    match = CREATE.match(_body(create))
    assert match, _body(create)
    definition = parse_definition(match.group("yaml"), "recorded CREATE")
    # Relations of the target's catalog, quoted for YAML (not left as bare backticks).
    assert definition.source == f"`{CATALOG}`.`gold`.`fct_sales`"
    assert [j.source for j in definition.joins] == [
        f"`{CATALOG}`.`reference`.`countries`", f"`{CATALOG}`.`reference`.`channels`",
    ]  # fmt: skip
    assert re.search(r"^source: \"`", match.group("yaml"), re.M)
    aov = definition.measure("average_order_value").expr
    assert " div nullif(" in aov and "MEASURE(revenue)" in aov  # databricks__integer_divide
    assert any(m.window for m in definition.measures)


def test_recorded_create_parses_with_sqlfluffs_databricks_dialect(runs):
    _, recorded = runs
    (create,) = _own(recorded["fresh"], "CREATE")
    assert parse_error(_body(create)) is None
    # The parser reads the YAML as the view's body, not as SQL: garbage there still parses,
    # so the YAML is checked against the spec above, not by sqlfluff.
    assert parse_error(_body(create).replace("version: 1.1", "version: ??")) is None
    assert parse_error(_body(create).replace("with metrics", "with metric")) is not None


def test_grants_and_tags_of_the_gold_folder_are_applied(runs):
    warehouse, recorded = runs
    obj = warehouse.catalog.lookup(RELATION)
    assert obj.kind == "metric_view" and obj.table_type == "METRIC_VIEW"
    groups = {"data_engineers", "admins", "analysts", "bi_viewers"}
    assert obj.grants == {(f"lakehouse_bi_{group}", "SELECT") for group in groups}
    assert obj.tags == {
        "domain": "sales", "owner": "data_engineering", "classification": "internal",
        "layer": "gold",
    }  # fmt: skip
    assert obj.tblproperties == {}  # `tblproperties: {}` overrides the gold folder's Delta ones
    kinds = [s.kind for s in _own(recorded["fresh"])]
    assert "ALTER VIEW SET TAGS" in kinds and not any("TBLPROPERTIES" in k for k in kinds)
    # Its columns, as the catalog lists them: the dimensions, then the measures.
    assert [c.name for c in obj.columns][:3] == ["order_date", "order_week", "order_month"]
    assert "average_order_value" in [c.name for c in obj.columns]


def test_an_unchanged_definition_is_left_alone(runs):
    _, recorded = runs
    own = _own(recorded["unchanged"])
    assert not [s for s in own if s.kind.startswith(("CREATE", "ALTER VIEW AS", "DROP"))]
    assert not [s for s in own if KNOWN_SQLFLUFF_GAP.match(_body(s))]
    assert [_body(s) for s in own if s.kind == "SELECT"][-1] == "select 1"  # dbt's no-op
    # The adapter read the stored definition back to compare it.
    reads = [s for s in recorded["unchanged"] if s.kind == "DESCRIBE EXTENDED"]
    assert any("sales_metrics" in s.body for s in reads)


def test_a_changed_definition_is_altered_in_place(runs):
    warehouse, recorded = runs
    alters = [s for s in _own(recorded["changed"]) if KNOWN_SQLFLUFF_GAP.match(_body(s))]
    assert len(alters) == 1
    text = _body(alters[0])
    body = text[text.index("$$") + 2 : text.rindex("$$")]
    definition = parse_definition(body, "recorded ALTER")
    assert definition.measure("revenue").comment == EDITED.removeprefix("comment: ")
    assert not _own(recorded["changed"], "CREATE")
    # The known gap: listed here so that sqlfluff learning it shows up as a failure to clean up.
    assert parse_error(text) is not None
    stored = yaml.safe_load(warehouse.catalog.lookup(RELATION).view_text.strip("$\n"))
    assert stored["measures"][0]["comment"] == definition.measure("revenue").comment
    # Grants and tags survive the ALTER (nothing revoked, nothing re-created).
    assert not [s for s in _own(recorded["changed"]) if s.kind in ("REVOKE", "DROP VIEW")]
    assert len(warehouse.catalog.lookup(RELATION).grants) == 4
