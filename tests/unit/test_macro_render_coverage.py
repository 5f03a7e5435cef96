"""Every dispatched macro has a render test (issue 21).

A macro the project or the platform package dispatches per engine
(``adapter.dispatch('<name>', ...)`` in a file of macros/ or packages/lakehouse/macros/) must be
named in one of the render test modules, tests/unit/test_macro_render_*.py (this guard
excepted): by its name or by one engine's implementation (``duckdb__<name>``,
``databricks__<name>``, ``spark__<name>``, ``default__<name>``), as a whole identifier.
"""

from __future__ import annotations

import re
from pathlib import Path

from macro_render import PROJECT_DIR, macro_files, package_macro_files

DISPATCH = re.compile(r"""adapter\.dispatch\(\s*['"](\w+)['"]""")


def dispatched_macros() -> dict[str, list[str]]:
    """{dispatched macro name: the macro files (relative to the project) that dispatch it}."""
    found: dict[str, list[str]] = {}
    for path in [*macro_files(), *package_macro_files()]:
        for name in DISPATCH.findall(path.read_text()):
            found.setdefault(name, []).append(str(path.relative_to(PROJECT_DIR)))
    return found


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names the macro ``name`` or an engine's implementation of it."""
    pattern = r"(?<!\w)(?:(?:duckdb|databricks|spark|default)__)?" + re.escape(name) + r"(?!\w)"
    return re.search(pattern, text) is not None


def test_the_scan_sees_the_dispatched_macros_of_both_folders():
    dispatched = dispatched_macros()
    assert len(dispatched) >= 20
    assert dispatched["replace_window_sql"] == [
        "packages/lakehouse/macros/incremental/replace_window_sql.sql"
    ]
    assert all(
        file.startswith(("macros/", "packages/lakehouse/macros/"))
        for files in dispatched.values()
        for file in files
    )


def test_mentions_are_whole_identifiers():
    assert mentions("harness.call('landing_csv_header', e, p)", "landing_csv_header")
    assert mentions('"databricks__landing_file_columns_sql"', "landing_file_columns_sql")
    assert not mentions("landing_csv_header_v2", "landing_csv_header")
    assert not mentions("get_incremental_replace_window_sql", "replace_window_sql")
    assert not mentions("my__replace_window_sql", "replace_window_sql")


def test_every_dispatched_macro_has_a_render_test():
    texts = {
        path.name: path.read_text()
        for path in sorted(Path(__file__).resolve().parent.glob("test_macro_render_*.py"))
        if path.name != Path(__file__).name
    }
    assert "test_macro_render_utils.py" in texts
    untested = [
        f"{name} (dispatched in {', '.join(files)})"
        for name, files in sorted(dispatched_macros().items())
        if not any(mentions(text, name) for text in texts.values())
    ]
    assert not untested, (
        "dispatched macros without a render test: add tests for both engines to the "
        "tests/unit/test_macro_render_<concern>.py of their concern (tests/unit/macro_render.py): "
        + "; ".join(untested)
    )
