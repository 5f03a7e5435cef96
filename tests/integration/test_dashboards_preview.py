"""The dashboards' SQL on both engines, their numbers against the landing files, and the
preview page in a real headless browser.

One small pipeline with data ending today (the parameters' defaults count back from today;
the session's `observed` build of tests/integration/conftest.py, read only):
every dataset, widget and alert query runs on DuckDB (MEASURE() on the sales metric view
rewritten for its local data model) and parses as Databricks SQL (sqlfluff);
the preview's counters, lines and the alert equal an independent computation from the landed
files (landed_truth.py); Chromium opens the page offline and finds data in every chart.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import landed_truth
import pytest
import sqlfluff
from click.testing import CliRunner
from local_pipeline import PROJECT, LocalPipeline

from lakehouse_bi.cli import main
from lakehouse_bi.deploy.alerts import alert_query
from lakehouse_bi.deploy.dashboard_files import (
    load_dashboards,
    resolved_dataset_queries,
    resolved_dataset_sql,
    substitute,
)
from lakehouse_bi.deploy.dashboard_specs import load_specs
from lakehouse_bi.deploy.dashboard_targets import target_location
from lakehouse_bi.deploy.dashboard_widgets import widget_query, widget_sql
from lakehouse_bi.deploy.preview import compute_widgets, write_preview
from lakehouse_bi.semantic.metric_view import local_metric_views, rewrite_for_duckdb, uses_measures

CHROMIUM = Path(os.environ.get("LAKEHOUSE_BI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = Path(os.environ.get("LAKEHOUSE_BI_TEST_ARTIFACTS", PROJECT / "target/test-artifacts"))


@pytest.fixture(scope="module")
def built(observed) -> LocalPipeline:
    """2,000 orders whose window ends today, built with `dbt build` on DuckDB: the shared
    observability pipeline of tests/integration/conftest.py, only read here."""
    return observed


@pytest.fixture(scope="module")
def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


@pytest.fixture(scope="module")
def profiles(tmp_path_factory):
    """The example profile, so target locations do not depend on a developer's profile."""
    folder = tmp_path_factory.mktemp("profiles")
    shutil.copy(PROJECT / "profiles.yml.example", folder / "profiles.yml")
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_PROFILES_DIR", str(folder))
    patch.delenv("DATABRICKS_CATALOG", raising=False)
    yield folder
    patch.undo()


def _parses_as_databricks(sql: str, what: str) -> None:
    try:
        sqlfluff.parse(sql, dialect="databricks")
    except sqlfluff.api.APIParsingError as error:  # pragma: no cover - the failure message
        pytest.fail(f"{what} does not parse as Databricks SQL:\n{error}\n{sql}")


def test_every_query_runs_on_duckdb_and_parses_as_databricks(built, profiles, today):
    local = target_location(PROJECT, "local").placeholders
    prod = target_location(PROJECT, "prod").placeholders
    specs = load_specs(PROJECT)
    queries = measure_queries = 0
    with duckdb.connect(str(built.database), read_only=True) as connection:
        views = local_metric_views(connection)
        for dashboard in load_dashboards(PROJECT, specs):
            for dataset in dashboard.document.datasets:
                what = f"{dashboard.display_name} / {dataset.name}"
                sql = resolved_dataset_sql(dashboard, dataset, local, today)
                measure_queries += uses_measures(sql)
                rows = connection.execute(rewrite_for_duckdb(sql, views, what)).fetchall()
                assert rows, f"{what}: no rows at the default parameters"
                _parses_as_databricks(resolved_dataset_sql(dashboard, dataset, prod, today), what)
                queries += 1
            for widget in dashboard.widgets():
                query = widget_query(widget)
                dataset = dashboard.dataset(query.dataset)
                what = f"{dashboard.display_name} / widget {widget.name}"
                for placeholders, dialect in ((local, "duckdb"), (prod, "databricks")):
                    sql = widget_sql(
                        query,
                        resolved_dataset_sql(dashboard, dataset, placeholders, today),
                        dialect,
                    )
                    if dialect == "duckdb":
                        sql = rewrite_for_duckdb(sql, views, what)
                        assert connection.execute(sql).fetchall(), f"{what}: no rows"
                    else:
                        _parses_as_databricks(sql, what)
                queries += 1
        for name, definition in specs.alerts.alerts.items():
            sql = alert_query(definition)
            assert len(connection.execute(substitute(sql, local, name)).fetchall()) == 1
            _parses_as_databricks(substitute(sql, prod, name), f"alert {name}")
    # 12 datasets (5 of them read the sales metric view, 3 the filters' values) + 21 widgets:
    # a change in the files shows up here.
    assert queries == 33 and measure_queries == 5
    # What ops' validate-deployment runs: the same datasets, resolved for a target.
    resolved = resolved_dataset_queries(PROJECT, "prod", today)
    assert len(resolved) == 12
    assert all("lakehouse_bi_prod." in r.sql and ":date_range" not in r.sql for r in resolved)


def _results(built, name: str, today: dt.date) -> dict:
    dashboard = next(
        d for d in load_dashboards(PROJECT, load_specs(PROJECT)) if d.display_name == name
    )
    placeholders = target_location(PROJECT, "local").placeholders
    with duckdb.connect(str(built.database), read_only=True) as connection:
        results = compute_widgets(connection, dashboard, placeholders, today)
    return {r.query.name: r for r in results}


def _in_window(built, today: dt.date) -> list:
    start = today - dt.timedelta(days=30)
    return [s for s in landed_truth.revenue_lines(built.landing) if start <= s.order_date <= today]


def test_sales_overview_numbers_match_landing_files(built, profiles, today):
    sales = _in_window(built, today)
    results = _results(built, "Sales Overview", today)

    revenue = sum((s.revenue for s in sales), Decimal(0))
    assert results["revenue_total"].rows == [(pytest.approx(float(revenue), abs=0.005),)]
    assert results["orders_total"].rows == [(len({s.order_id for s in sales}),)]
    assert results["units_total"].rows == [(sum(s.quantity for s in sales),)]

    per_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for sale in sales:
        per_day[sale.order_date] += sale.revenue
    line = results["revenue_by_day"].rows
    assert [day for day, _ in line] == [d.isoformat() for d in sorted(per_day)]
    assert [value for _, value in line] == [
        pytest.approx(float(per_day[d])) for d in sorted(per_day)
    ]

    per_category: dict[str, Decimal] = defaultdict(Decimal)
    for sale in sales:
        per_category[sale.category or "unknown"] += sale.revenue
    bars = results["revenue_by_category"].rows
    assert {c: pytest.approx(v) for c, v in bars} == {c: float(v) for c, v in per_category.items()}
    assert [v for _, v in bars] == sorted((v for _, v in bars), reverse=True)  # largest first


def test_executive_summary_average_order_value_matches_landing_files(built, profiles, today):
    sales = _in_window(built, today)
    results = _results(built, "Executive Summary", today)
    revenue = sum((s.revenue for s in sales), Decimal(0))
    orders = len({s.order_id for s in sales})
    (row,) = results["average_order_value"].rows
    # The metric view's average_order_value: exact, half-up to the cent (not a float ratio).
    assert row[0] == float(landed_truth.divide_half_up(revenue, orders, 2))
    assert results["orders_total"].rows == [(orders,)]
    weeks = results["weekly_revenue"].rows
    truth = landed_truth.weekly_totals(built.landing)
    assert weeks and all(
        value == pytest.approx(float(truth[dt.date.fromisoformat(week)]["revenue"]))
        for week, value in weeks
    )


def test_sales_drop_alert_query_matches_landing_files(built, profiles, today):
    definition = load_specs(PROJECT).alerts.alerts["sales_drop_alert"]
    sql = substitute(alert_query(definition), target_location(PROJECT, "local").placeholders, "")
    with duckdb.connect(str(built.database), read_only=True) as connection:
        (row,) = connection.execute(sql).fetchall()
    row = tuple(float(value) for value in row)  # sums are DECIMAL, the change a DOUBLE

    per_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for sale in landed_truth.revenue_lines(built.landing):
        per_day[sale.order_date] += sale.revenue
    yesterday = per_day.get(today - dt.timedelta(days=1), Decimal(0))
    before = per_day[today - dt.timedelta(days=2)]
    assert row == (
        pytest.approx(float(yesterday)),
        pytest.approx(float(before)),
        pytest.approx(float((yesterday - before) / before)),
    )


def test_preview_command_writes_the_page(built, profiles, tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT)
    monkeypatch.setenv("LAKEHOUSE_BI_DUCKDB_PATH", str(built.database))
    output = tmp_path / "preview.html"
    result = CliRunner().invoke(main, ["dashboards", "preview", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(output)
    page = output.read_text()
    assert page.count('<section class="dashboard"') == 3
    assert "<script src=" not in page and "<link " not in page  # nothing loaded from elsewhere

    monkeypatch.setenv("LAKEHOUSE_BI_DUCKDB_PATH", str(tmp_path / "missing.duckdb"))
    missing = CliRunner().invoke(main, ["dashboards", "preview", "--output", str(output)])
    assert missing.exit_code == 2 and "No DuckDB warehouse at" in missing.output


@pytest.fixture(scope="module")  # module scope: resolved before the module's build
def playwright_with_chromium():
    """playwright's sync API, or a skip saying what is missing (checked before the build)."""
    if not CHROMIUM.is_file():
        pytest.skip(
            f"No Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    return sync_playwright


def test_preview_page_in_headless_chromium(playwright_with_chromium, built, profiles, today):
    sync_playwright = playwright_with_chromium
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page_path = write_preview(PROJECT, built.database, ARTIFACTS / "dashboards_preview.html", today)
    charts = sum(
        widget_query(w).kind in {"line", "bar"}
        for d in load_dashboards(PROJECT, load_specs(PROJECT))
        for w in d.widgets()
    )

    console_errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
            page.on("pageerror", lambda e: console_errors.append(str(e)))

            def refuse_network(route):
                if not route.request.url.startswith("file://"):
                    requests.append(route.request.url)
                    return route.abort()
                return route.continue_()

            page.route("**/*", refuse_network)
            page.goto(page_path.resolve().as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('.chart .js-plotly-plot .main-svg').length >= {charts}",
                timeout=60_000,
            )
            found = page.evaluate(
                """() => ({
                  sections: [...document.querySelectorAll('section.dashboard')]
                    .map(s => s.dataset.dashboard),
                  charts: [...document.querySelectorAll('.chart .js-plotly-plot')].map(el => ({
                    widget: el.closest('.widget').dataset.widget,
                    points: el.data.map(t => t.x.length),
                    nonzero: el.data.every(t => Array.from(t.y).some(v => v !== null && v !== 0)),
                    drawn: el.querySelectorAll('.point').length,
                  })),
                  counters: [...document.querySelectorAll('.counter')].map(c => c.textContent),
                  tables: [...document.querySelectorAll('table')]
                    .map(t => t.querySelectorAll('tbody tr').length),
                })"""
            )
            page.screenshot(path=str(ARTIFACTS / "dashboards_preview.png"), full_page=True)
        finally:
            browser.close()

    assert found["sections"] == ["Sales Overview", "Executive Summary", "Pipeline Health"]
    assert len(found["charts"]) == charts == 9
    empty = [
        c["widget"]
        for c in found["charts"]
        if not c["points"] or 0 in c["points"] or not c["drawn"] or not c["nonzero"]
    ]
    assert empty == []
    assert len(found["counters"]) == 9 and all(
        t.strip() not in {"", "-"} for t in found["counters"]
    )
    assert len(found["tables"]) == 3 and all(found["tables"])
    assert console_errors == []
    assert requests == []  # self-contained: nothing fetched from the network
    assert (ARTIFACTS / "dashboards_preview.png").stat().st_size > 10_000
