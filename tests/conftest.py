"""Test distribution for `make pytest` (pytest-xdist, `-n 2 --dist loadscope`).

Tests run in groups, each group on one worker, so every expensive fixture is built once:

- the modules that read a session fixture of a conftest.py (the shared `pipeline` and
  `observed` builds of tests/integration/conftest.py, the Sail server of
  tests/unit/conftest.py) form one group per fixture, listed in SHARED_FIXTURE_MODULES;
- every other module is its own group (its module-scoped fixtures are built once).

xdist's own `loadgroup` mode cannot do this here: it tags node ids through an attribute that
pytest 9 no longer reads, so every test became its own group and both workers built every
shared pipeline. The scheduler below groups by module path instead, and collection checks
that the list is complete (a test reading a shared fixture from an unlisted module stops the
run with the module and fixture named).

Under xdist the groups are also ordered costliest first (GROUP_ORDER, from the profile in
docs/PERFORMANCE.md), so the long integration groups start at once and the many short unit
modules fill the gaps at the end. A plain `pytest` run keeps its usual order.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pyspark (the Sail client) takes a process whose __main__ has no file, as an xdist
    # worker's, for its own doctest run and then looks for a Spark installation it does not
    # need to reach a Spark Connect server; its package folder satisfies that look-up.
    _pyspark = importlib.util.find_spec("pyspark")
    if _pyspark is not None and _pyspark.origin:
        os.environ.setdefault("SPARK_HOME", os.path.dirname(_pyspark.origin))

SHARED_FIXTURE_MODULES = {
    "pipeline": (
        "tests/integration/test_gold_matches_landed_files.py",
        "tests/integration/test_governance_personas.py",
        "tests/integration/test_incremental_rerun.py",
        "tests/integration/test_metric_view_duckdb.py",
        "tests/integration/test_model_documentation.py",
        "tests/integration/test_ops_local_pipeline.py",
    ),
    "observed": (
        "tests/integration/test_dashboards_preview.py",
        "tests/integration/test_observability_alert_delivery.py",
        "tests/integration/test_observability_audit.py",
        "tests/integration/test_observability_elementary.py",
        "tests/integration/test_observability_health.py",
        "tests/integration/test_observability_lineage.py",
        "tests/integration/test_openlineage_export.py",
    ),
    "sail_spark": (
        "tests/unit/test_macro_render_casting.py",
        "tests/unit/test_macro_render_governance.py",
        "tests/unit/test_macro_render_ingestion.py",
        "tests/unit/test_macro_render_utils.py",
        "tests/unit/test_metric_view.py",
    ),
}
GROUP_OF_MODULE = {m: group for group, ms in SHARED_FIXTURE_MODULES.items() for m in ms}

# Groups started first, costliest first (docs/PERFORMANCE.md "Test suite"); a group not
# named here follows them (integration before unit), in collection order.
GROUP_ORDER = (
    "tests/integration/test_databricks_on_sail.py",
    "observed",
    "pipeline",
    "tests/integration/test_dirty_input_cases.py",
    "tests/integration/test_databricks_recorded_sql.py",
    "tests/integration/test_adding_an_entity.py",
    "tests/integration/test_incremental_equivalence.py",
    "tests/integration/test_schema_evolution.py",
    "tests/integration/test_quality_injected_anomalies.py",
    "tests/integration/test_feature_flag_scd2.py",
)


def group_of(nodeid: str) -> str:
    """The group of a test from its node id: its shared fixture's name, else its module."""
    module = nodeid.split("::", 1)[0]
    return GROUP_OF_MODULE.get(module, module)


def _shared_session_fixtures(item: pytest.Item) -> list[str]:
    """Names of the session-scoped fixtures from a conftest.py that the test uses."""
    info = getattr(item, "_fixtureinfo", None)
    names = []
    for name, definitions in info.name2fixturedefs.items() if info else ():
        effective = definitions[-1]  # the definition closest to the test wins
        module = getattr(getattr(effective, "func", None), "__module__", "") or ""
        if effective.scope == "session" and module.rsplit(".", 1)[-1] == "conftest":
            names.append(name)
    return sorted(names)


def _rank(group: str) -> tuple[int, int]:
    if group in GROUP_ORDER:
        return 0, GROUP_ORDER.index(group)
    return (1 if group.startswith("tests/integration/") or "/" not in group else 2), 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        for fixture in _shared_session_fixtures(item):
            if module not in SHARED_FIXTURE_MODULES.get(fixture, (module,)):
                raise pytest.UsageError(
                    f"{item.nodeid} reads the shared session fixture `{fixture}`: add "
                    f"{module} to SHARED_FIXTURE_MODULES['{fixture}'] in tests/conftest.py, "
                    "so that its tests run on the worker that builds it"
                )
    if hasattr(config, "workerinput"):  # an xdist worker: the controller schedules this order
        items.sort(key=lambda item: _rank(group_of(item.nodeid)))  # stable within a group


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadscope` with the groups above as its scopes (docstring of this module)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return SharedFixtureScheduling(config, log)
