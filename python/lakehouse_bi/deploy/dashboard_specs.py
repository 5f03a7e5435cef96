"""The dashboard spec files (seed §12), one per concern, under resources/dashboards/specs/:
parameters, permissions, refresh schedules and alert definitions. Each is validated by a
pydantic model; `load_specs` raises one ConfigError listing every problem by file and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lakehouse_bi.errors import ConfigError

SPECS_DIR = Path("resources/dashboards/specs")
PARAMETERS_FILE = SPECS_DIR / "dashboard_parameters.yml"
PERMISSIONS_FILE = SPECS_DIR / "dashboard_permissions.yml"
SCHEDULES_FILE = SPECS_DIR / "refresh_schedules.yml"
ALERTS_FILE = SPECS_DIR / "alert_definitions.yml"

Name = Annotated[str, Field(min_length=1)]
Keyword = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
# Relative day: "today" or "-<n>d" (n days before today).
RelativeDay = Annotated[str, Field(pattern=r"^(today|-[0-9]+d)$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateRange(_Strict):
    keyword: Keyword
    start_default: RelativeDay
    end_default: RelativeDay


class Filter(_Strict):
    keyword: Keyword
    column: Keyword
    default: Name


class ParametersSpec(_Strict):
    date_range: DateRange
    filters: list[Filter]
    dashboards: dict[Name, list[Keyword]]


class Permission(_Strict):
    view: list[Name] = []
    run: list[Name] = []
    edit: list[Name] = []
    manage: list[Name] = []


class PermissionsSpec(_Strict):
    dashboards: dict[Name, Permission]


CRON_FIELD = r"(\*|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)(/[0-9]+)?"
DAY_NAMES = r"(\*|[A-Z]{3}(-[A-Z]{3})?(,[A-Z]{3}(-[A-Z]{3})?)*)"
CRON = re.compile(rf"^{CRON_FIELD} {CRON_FIELD} {CRON_FIELD} {CRON_FIELD} {DAY_NAMES}$")


def _check_cron(value: str) -> str:
    if not CRON.match(value):
        raise ValueError(
            f"{value!r} is not a five-field cron (minute hour day-of-month month day-of-week; "
            "numbers, ranges, lists, */n; day names such as MON-FRI for the day of week)"
        )
    return value


class Subscriber(_Strict):
    """A notification destination the refreshed snapshot is sent to, by the bundle variable
    (databricks.yml) holding its id; an empty variable sends nothing."""

    destination_variable: Keyword


class Schedule(_Strict):
    cron: str
    subscribers: list[Subscriber] = []
    paused: bool = False

    _cron = field_validator("cron")(_check_cron)


class SchedulesSpec(_Strict):
    timezone: Name
    schedules: dict[Name, Schedule]


METRICS = {"total_sales": "revenue", "total_orders": "orders"}


class AlertDefinition(_Strict):
    display_name: Name
    metric: Literal["total_sales", "total_orders"]
    condition: Annotated[str, Field(pattern=r"^(<|>) *-?[0-9]+(\.[0-9]+)? *%$")]
    comparison: Literal["previous_day"]
    schedule: str
    recipients: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = []

    _cron = field_validator("schedule")(_check_cron)

    @property
    def operator(self) -> str:
        """The alerts API comparison operator of the condition."""
        return "LESS_THAN" if self.condition.lstrip().startswith("<") else "GREATER_THAN"

    @property
    def threshold(self) -> float:
        """The condition's percentage as a rate: "< -20%" -> -0.2."""
        return float(self.condition.strip("<> %").replace(" ", "")) / 100


class AlertsSpec(_Strict):
    alerts: dict[Keyword, AlertDefinition]


@dataclass(frozen=True)
class DashboardSpecs:
    parameters: ParametersSpec
    permissions: PermissionsSpec
    schedules: SchedulesSpec
    alerts: AlertsSpec


# Files whose top level is a mapping by dashboard or alert name are wrapped under this key.
_WRAPPED = {PERMISSIONS_FILE: "dashboards", ALERTS_FILE: "alerts"}


def _load(project_dir: Path, relative: Path, model: type[_Strict], problems: list[str]):
    path = project_dir / relative
    if not path.is_file():
        problems.append(f"{relative}: missing (the dashboard specs live in {SPECS_DIR}/)")
        return None
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        problems.append(f"{relative}: not valid YAML: {error}")
        return None
    wrapper = _WRAPPED.get(relative)
    data = {wrapper: raw} if wrapper else raw
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        for problem in error.errors():
            location = [str(part) for part in problem["loc"]]
            if wrapper and location[:1] == [wrapper]:
                location = location[1:]
            key = ".".join(location) or "(top level)"
            message = "missing" if problem["type"] == "missing" else problem["msg"]
            problems.append(f"{relative}: {key}: {message}")
        return None


def read_specs(project_dir: Path) -> tuple[DashboardSpecs | None, list[str]]:
    """The four spec files, or None and the problems (each "file: key: what") that stop them."""
    problems: list[str] = []
    loaded = [
        _load(project_dir, PARAMETERS_FILE, ParametersSpec, problems),
        _load(project_dir, PERMISSIONS_FILE, PermissionsSpec, problems),
        _load(project_dir, SCHEDULES_FILE, SchedulesSpec, problems),
        _load(project_dir, ALERTS_FILE, AlertsSpec, problems),
    ]
    if problems:
        return None, problems
    return DashboardSpecs(*loaded), []


def load_specs(project_dir: Path) -> DashboardSpecs:
    """The validated specs; raises ConfigError naming every problem's file and key."""
    specs, problems = read_specs(project_dir)
    if specs is None:
        raise ConfigError(
            "Invalid dashboard specs:\n  " + "\n  ".join(problems),
            f"Fix the files under {SPECS_DIR}/ (docs/DATABRICKS.md, Dashboards and alerts).",
        )
    return specs


def quartz_cron(cron: str) -> str:
    """A validated five-field cron as Quartz (seconds first, `?` for the unused day field):
    "0 */2 * * *" -> "0 0 */2 * * ?". Raises ConfigError when both day fields are set
    (Quartz cannot combine them)."""
    minute, hour, day_of_month, month, day_of_week = cron.split()
    if day_of_week == "*":
        day_of_week = "?"
    elif day_of_month == "*":
        day_of_month = "?"
    else:
        raise ConfigError(
            f"Cron {cron!r} sets both day-of-month and day-of-week.",
            "Quartz (Lakeview schedules, alerts) takes one of them: use * for the other.",
        )
    return f"0 {minute} {hour} {day_of_month} {month} {day_of_week}"
