"""`spec_problems`: the dashboard specs, dashboard files and dbt exposures checked together."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from lakehouse_bi.deploy.dashboard_files import (
    DASHBOARDS_DIR,
    Dashboard,
    load_dashboard,
    parameter_markers,
    placeholders_used,
    spec_day_as_lakeview,
    table_references,
)
from lakehouse_bi.deploy.dashboard_specs import (
    PARAMETERS_FILE,
    PERMISSIONS_FILE,
    SCHEDULES_FILE,
    DashboardSpecs,
    read_specs,
)
from lakehouse_bi.deploy.dashboard_targets import LAYERS
from lakehouse_bi.errors import ConfigError

EXPOSURES_FILE = Path("models/gold/_gold__exposures.yml")


def _names(specs: DashboardSpecs) -> list[str]:
    return list(specs.permissions.dashboards)


def _cross_spec_problems(specs: DashboardSpecs, project_dir: Path) -> list[str]:
    problems = []
    names = set(_names(specs))
    for relative, keys in (
        (PARAMETERS_FILE, specs.parameters.dashboards),
        (SCHEDULES_FILE, specs.schedules.schedules),
    ):
        problems += [
            f"{relative}: {key}: not a dashboard of {PERMISSIONS_FILE} ({', '.join(sorted(names))})"
            for key in keys
            if key not in names
        ]
    declared = {specs.parameters.date_range.keyword} | {f.keyword for f in specs.parameters.filters}
    for name, keywords in specs.parameters.dashboards.items():
        problems += [
            f"{PARAMETERS_FILE}: dashboards.{name}: unknown parameter {keyword!r}"
            for keyword in keywords
            if keyword not in declared
        ]
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    roles = set((project.get("vars") or {}).get("governance_groups") or {})
    for name, permission in specs.permissions.dashboards.items():
        for kind in ("view", "run", "edit", "manage"):
            problems += [
                f"{PERMISSIONS_FILE}: {name}.{kind}: unknown role {role!r} "
                "(roles: dbt_project.yml vars.governance_groups)"
                for role in getattr(permission, kind)
                if role not in roles
            ]
    return problems


def _expected_defaults(specs: DashboardSpecs) -> dict[str, dict]:
    date_range = specs.parameters.date_range
    expected = {
        date_range.keyword: {
            "complexType": "RANGE",
            "dataType": "DATETIME",
            "min": spec_day_as_lakeview(date_range.start_default),
            "max": spec_day_as_lakeview(date_range.end_default),
        }
    }
    for item in specs.parameters.filters:
        expected[item.keyword] = {
            "complexType": None,
            "dataType": "STRING",
            "value": item.default,
            "column": item.column,
        }
    return expected


def _dashboard_problems(dashboard: Dashboard, specs: DashboardSpecs) -> list[str]:
    where = dashboard.path
    problems = []
    document = dashboard.document
    for kind, names in (
        ("dataset", [d.name for d in document.datasets]),
        ("widget", [i.widget.name for p in document.pages for i in p.layout]),
    ):
        problems += [
            f"{where}: {kind} name {name!r} is not unique (Lakeview rejects duplicates)"
            for name in sorted({n for n in names if names.count(n) > 1})
        ]
    expected = _expected_defaults(specs)
    allowed = set(specs.parameters.dashboards.get(dashboard.display_name, []))
    offered: set[str] = set()
    for dataset in document.datasets:
        at = f"{where}: datasets.{dataset.name}"
        sql = "".join(dataset.queryLines)
        problems += [
            f"{at}: placeholder ${{{name}}} in its SQL: the bundle deploys the file as it is; "
            "name tables unqualified and set the dataset's schema"
            for name in sorted(placeholders_used(sql))
        ]
        if dataset.layer not in LAYERS:
            problems.append(
                f"{at}.schema: {dataset.layer!r}, expected the layer it reads "
                f"({', '.join(LAYERS)}; the bundle sets the target's schema)"
            )
        problems += [
            f"{at}: table {name!r} is qualified; dataset_catalog / dataset_schema (set per "
            "target by the bundle) only reach unqualified names"
            for name, qualified in table_references(sql)
            if qualified
        ]
        declared = {p.keyword for p in dataset.parameters}
        problems += [
            f"{at}: SQL uses :{name} but the dataset declares no such parameter"
            for name in sorted(parameter_markers(sql) - declared)
        ]
        for parameter in dataset.parameters:
            key = f"{at}.parameters.{parameter.keyword}"
            offered.add(parameter.keyword)
            if parameter.keyword not in allowed:
                problems.append(
                    f"{key}: not a parameter of {dashboard.display_name!r} in {PARAMETERS_FILE}"
                )
                continue
            want = expected[parameter.keyword]
            if parameter.keyword not in parameter_markers(sql):
                problems.append(f"{key}: declared but the SQL never uses :{parameter.keyword}")
            if parameter.dataType != want["dataType"]:
                problems.append(
                    f"{key}.dataType: {parameter.dataType!r}, expected {want['dataType']!r}"
                )
            if parameter.complexType != want["complexType"]:
                problems.append(
                    f"{key}.complexType: {parameter.complexType!r}, "
                    f"expected {want['complexType']!r}"
                )
                continue
            selection = parameter.defaultSelection
            if want["complexType"] == "RANGE":
                bounds = selection.get("range", {})
                got = {b: (bounds.get(b) or {}).get("value") for b in ("min", "max")}
                if got != {"min": want["min"], "max": want["max"]}:
                    problems.append(
                        f"{key}.defaultSelection: {got}, expected min {want['min']!r}, "
                        f"max {want['max']!r} ({PARAMETERS_FILE})"
                    )
            else:
                values = [v.get("value") for v in selection.get("values", {}).get("values", [])]
                if values != [want["value"]]:
                    problems.append(
                        f"{key}.defaultSelection: {values}, expected [{want['value']!r}]"
                    )
                pattern = rf"\b{want['column']}\s*=\s*:{parameter.keyword}\b"
                if not re.search(pattern, sql):
                    problems.append(
                        f"{key}: the SQL should compare {want['column']} with :{parameter.keyword}"
                    )
    problems += [
        f"{where}: no dataset offers parameter {keyword!r} ({PARAMETERS_FILE})"
        for keyword in sorted(allowed - offered)
    ]
    if dashboard.layer is None and len({d.layer for d in document.datasets}) > 1:
        problems.append(
            f"{where}: datasets read different schemas "
            f"({', '.join(sorted(str(d.layer) for d in document.datasets))}); the bundle's "
            "dataset_schema is one per dashboard"
        )
    datasets = {d.name for d in document.datasets}
    for page in document.pages:
        for item in page.layout:
            for query in item.widget.queries:
                if query.query.datasetName not in datasets:
                    problems.append(
                        f"{where}: widget {item.widget.name!r} reads unknown dataset "
                        f"{query.query.datasetName!r}"
                    )
            if item.position["x"] + item.position["width"] > 6:
                problems.append(f"{where}: widget {item.widget.name!r} overflows the 6-column grid")
    return problems


def tables_read(dashboard: Dashboard) -> set[str]:
    """The dbt models a dashboard's datasets read (their unqualified `from` / `join` tables)."""
    return {
        name
        for dataset in dashboard.document.datasets
        for name, qualified in table_references("".join(dataset.queryLines))
        if not qualified
    }


def _exposure_problems(project_dir: Path, dashboards: list[Dashboard]) -> list[str]:
    path = project_dir / EXPOSURES_FILE
    if not path.is_file():
        return [f"{EXPOSURES_FILE}: missing (one dbt exposure per dashboard)"]
    exposures = {
        e.get("label"): e for e in (yaml.safe_load(path.read_text()) or {}).get("exposures", [])
    }
    problems = []
    for dashboard in dashboards:
        exposure = exposures.get(dashboard.display_name)
        if not exposure:
            problems.append(f"{EXPOSURES_FILE}: no exposure labelled {dashboard.display_name!r}")
            continue
        refs = set(
            re.findall(r"ref\(['\"]([a-z0-9_]+)['\"]\)", " ".join(exposure.get("depends_on", [])))
        )
        if refs != tables_read(dashboard):
            problems.append(
                f"{EXPOSURES_FILE}: {exposure.get('name')}.depends_on: {sorted(refs)}, but "
                f"{dashboard.path} reads {sorted(tables_read(dashboard))}"
            )
    return problems


def spec_problems(project_dir: Path) -> list[str]:
    """Every problem of the dashboard specs (resources/dashboards/specs/), the dashboard files
    they name (resources/dashboards/*.lvdash.json) and the dashboards' dbt exposures, each
    naming its file and key; empty when all is valid."""
    specs, problems = read_specs(project_dir)
    if specs is None:
        return problems
    problems = _cross_spec_problems(specs, project_dir)
    dashboards = []
    for name in _names(specs):
        try:
            dashboards.append(load_dashboard(project_dir, name))
        except ConfigError as error:
            problems.append(error.message)
    for dashboard in dashboards:
        problems += _dashboard_problems(dashboard, specs)
    known = {d.path.name for d in dashboards}
    problems += [
        f"{DASHBOARDS_DIR / path.name}: no entry in {PERMISSIONS_FILE} (every dashboard needs one)"
        for path in sorted((project_dir / DASHBOARDS_DIR).glob("*.lvdash.json"))
        if path.name not in known
    ]
    return problems + _exposure_problems(project_dir, dashboards)
