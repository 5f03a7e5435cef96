"""dbt_project.yml `vars:` as a spec check: each project var has the type and range the
macros expect (a JSON Schema, checked with jsonschema), plus the rules that span several
vars. Vars templated with Jinja (`{{ env_var(...) }}`) are checked only for being strings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from lakehouse_bi.spec.yaml_files import load_yaml

_RATE = {"type": "number", "minimum": 0, "maximum": 1}
_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
_FLAG = {"type": "boolean"}
VARS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "landing_root": {"type": "string"},
        "cdc_operation_codes": {
            "type": "object",
            "required": ["insert", "update", "delete"],
            "additionalProperties": False,
            "properties": {op: {**_NAMES, "minItems": 1} for op in ("insert", "update", "delete")},
        },
        "future_date_tolerance_hours": {"type": "integer", "minimum": 0},
        "landing_max_record_chars": {"type": "integer", "minimum": 1},
        "schema_evolution_mode": {"enum": ["strict", "permissive", "auto_fix"]},
        "calendar_start_date": {"type": "string", "format": "date"},
        "calendar_end_date": {"type": "string", "format": "date"},
        "dbt_date:time_zone": {"type": "string", "minLength": 1},
        "disable_run_results": _FLAG,
        "disable_tests_results": _FLAG,
        "disable_dbt_artifacts_autoupload": _FLAG,
        "disable_dbt_invocation_autoupload": _FLAG,
        "disable_samples_on_pii_tags": _FLAG,
        "pii_tags": _NAMES,
        "dq_quarantine_rate_warn": _RATE,
        "dq_quarantine_rate_error": _RATE,
        "audit_enabled": _FLAG,
        "reason": {"type": "string"},
        "governance_schema": {"type": "string", "pattern": "^[a-z_][a-z0-9_]*$"},
        "governance_groups": {
            "type": "object",
            "additionalProperties": {"type": "string", "pattern": "^[A-Za-z0-9_.@-]+$"},
        },
        "governance_unmasked_roles": _NAMES,
        # Old relation name -> current model name
        # (packages/lakehouse/macros/migration/migrate_renamed_models.sql).
        "renamed_models": {
            "type": ["object", "null"],
            "propertyNames": {"pattern": "^[a-z_][a-z0-9_]*$"},
            "additionalProperties": {"type": "string", "pattern": "^[a-z_][a-z0-9_]*$"},
        },
        "governance_raw_pii_roles": _NAMES,
    },
}


def _key(path: Any) -> str:
    return "vars" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def vars_problems(variables: dict[str, Any], file: str = "dbt_project.yml") -> list[str]:
    """Problems of a `vars:` mapping, each as `<file>: vars.<key>: <what is wrong>`."""
    validator = Draft202012Validator(
        VARS_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    problems = [
        f"{file}: {_key(error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(variables), key=lambda e: list(e.path))
    ]
    if problems:
        return problems
    warn, error = (
        variables.get("dq_quarantine_rate_warn"),
        variables.get("dq_quarantine_rate_error"),
    )
    if warn is not None and error is not None and warn > error:
        problems.append(
            f"{file}: vars.dq_quarantine_rate_warn: {warn} is above dq_quarantine_rate_error "
            f"({error}); the warning threshold must not exceed the error one"
        )
    start, end = (
        _date(variables.get("calendar_start_date")),
        _date(variables.get("calendar_end_date")),
    )
    if start and end and start >= end:
        problems.append(f"{file}: vars.calendar_end_date: {end} is not after calendar_start_date")
    codes = variables.get("cdc_operation_codes") or {}
    seen: dict[str, str] = {}
    for operation, listed in codes.items():
        for code in listed:
            normalised = code.strip().lower()
            if normalised in seen and seen[normalised] != operation:
                problems.append(
                    f"{file}: vars.cdc_operation_codes.{operation}: code {code!r} also means "
                    f"{seen[normalised]}"
                )
            seen.setdefault(normalised, operation)
    groups = variables.get("governance_groups") or {}
    for name in ("governance_unmasked_roles", "governance_raw_pii_roles"):
        for role in variables.get(name) or []:
            if role not in groups:
                problems.append(f"{file}: vars.{name}: {role!r} is not a key of governance_groups")
    return problems


def spec_problems(project_dir: Path) -> list[str]:
    """Problems of the project vars in dbt_project.yml."""
    data, problems = load_yaml(project_dir / "dbt_project.yml")
    if data is None:
        return problems
    variables = data.get("vars") or {}
    if not isinstance(variables, dict):
        return ["dbt_project.yml: vars: expected a mapping"]
    return vars_problems(variables)
