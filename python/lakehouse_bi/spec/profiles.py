"""profiles.yml.example (and a local profiles.yml) as a spec check: every target the bundle
deploys exists, each output has what its adapter needs, credentials come from env vars only,
and every env var a profile reads is documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from lakehouse_bi.spec.yaml_files import load_yaml

REQUIRED_TARGETS = ("local", "dev", "staging", "prod")
ADAPTER_KEYS = {
    "duckdb": ("path",),
    "databricks": ("host", "http_path", "catalog", "schema"),
}
TOKEN_FREE_AUTH = ("oauth", "env-oidc", "file-oidc")  # dbt-databricks credentials.py
CREDENTIAL_KEYS = ("token", "client_secret", "password")
ENV_VAR = re.compile(r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")
DOCUMENTED_ENV = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.M)
OS_ENV = {"USER", "HOME", "PATH"}  # set by the operating system, not by the user
# Project files whose env_var() reads .env.example must document (besides the profiles).
ENV_READERS = (
    "dbt_project.yml",
    "macros/**/*.sql",
    "packages/lakehouse/macros/**/*.sql",
    "models/**/*.sql",
    "models/**/*.yml",
)


def documented_env_vars(project_dir: Path) -> set[str]:
    """Names .env.example documents (`NAME=` lines, commented out or not)."""
    path = project_dir / ".env.example"
    return set(DOCUMENTED_ENV.findall(path.read_text())) if path.is_file() else set()


def project_profile_name(project_dir: Path) -> str:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    return str(project.get("profile", "lakehouse_bi"))


def _output_problems(where: str, name: str, output: Any) -> list[str]:
    key = f"{where}.outputs.{name}"
    if not isinstance(output, dict):
        return [f"{key}: expected a mapping of connection settings"]
    kind = output.get("type")
    if kind not in ADAPTER_KEYS:
        return [f"{key}.type: {kind!r} is not one of {', '.join(ADAPTER_KEYS)}"]
    problems = [
        f"{key}.{setting}: missing (required by dbt-{kind})"
        for setting in ADAPTER_KEYS[kind]
        if not output.get(setting)
    ]
    for setting in CREDENTIAL_KEYS:
        value = output.get(setting)
        if value and "env_var(" not in str(value):
            problems.append(f"{key}.{setting}: a literal credential; read it with env_var()")
    if kind == "databricks":
        host = str(output.get("host", ""))
        if host.startswith(("http://", "https://")):
            problems.append(f"{key}.host: the host goes without a scheme (no https://)")
        if not output.get("token") and output.get("auth_type") not in TOKEN_FREE_AUTH:
            problems.append(
                f"{key}: neither token nor auth_type {'/'.join(TOKEN_FREE_AUTH)} "
                "(dbt-databricks needs one)"
            )
        if output.get("auth_type") in TOKEN_FREE_AUTH and not output.get("client_id"):
            problems.append(f"{key}.client_id: missing for auth_type {output['auth_type']}")
    return problems


def profile_file_problems(path: Path, profile: str, documented: set[str]) -> list[str]:
    """Problems of one profiles file (see the module docstring), each naming file and key."""
    data, problems = load_yaml(path)
    if data is None:
        return problems
    where = f"{path.name}: {profile}"
    if profile not in data:
        return [f"{path.name}: {profile}: the project's profile is missing"]
    outputs = data[profile].get("outputs") or {}
    problems += [
        f"{where}.outputs.{name}: missing (every target the project deploys needs one)"
        for name in REQUIRED_TARGETS
        if name not in outputs
    ]
    for name, output in outputs.items():
        problems += _output_problems(where, name, output)
    for other, body in data.items():
        if other != profile and isinstance(body, dict) and "outputs" in body:
            missing = set(outputs) - set(body["outputs"] or {})
            problems += [f"{path.name}: {other}.outputs.{name}: missing" for name in missing]
    names = {name for text in _strings(data) for name in ENV_VAR.findall(text)}
    problems += _undocumented(names, path.name, documented)
    return problems


def _strings(value: Any) -> list[str]:
    """Every string inside a parsed YAML value (the Jinja is in the values)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _undocumented(names: set[str], label: str, documented: set[str]) -> list[str]:
    missing = sorted(names - documented - OS_ENV)
    return [f"{label}: env_var('{name}') is not documented in .env.example" for name in missing]


def undocumented_env_vars(path: Path, label: str, documented: set[str]) -> list[str]:
    """One problem per env var `path` reads with env_var() that .env.example lacks."""
    names = set(ENV_VAR.findall(path.read_text())) - documented - OS_ENV
    return [
        f"{label}: env_var('{name}') is not documented in .env.example" for name in sorted(names)
    ]


def spec_problems(project_dir: Path) -> list[str]:
    """Problems of profiles.yml.example and, when present, the local profiles.yml."""
    profile = project_profile_name(project_dir)
    documented = documented_env_vars(project_dir)
    problems = []
    for name in ("profiles.yml.example", "profiles.yml"):
        path = project_dir / name
        if path.is_file():
            problems += profile_file_problems(path, profile, documented)
        elif name == "profiles.yml.example":
            problems.append(f"{name}: missing (make setup copies it to profiles.yml)")
    for pattern in ENV_READERS:
        for path in sorted(project_dir.glob(pattern)):
            label = str(path.relative_to(project_dir))
            problems += undocumented_env_vars(path, label, documented)
    return problems
