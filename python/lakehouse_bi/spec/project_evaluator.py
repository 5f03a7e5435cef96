"""dbt Labs' project evaluator (the dbt package `dbt_project_evaluator`, pinned in
packages.yml) run on this project: the naming, folder, DAG, documentation, primary-key test
and governance rules dbt Labs publishes (https://dbt-labs.github.io/dbt-project-evaluator/),
configured for the medallion layers in dbt_project.yml (`vars.dbt_project_evaluator`), with
every excused case and its reason in seeds/dbt_project_evaluator_exceptions.csv.

The package's models are disabled unless the var `dbt_project_evaluator_enabled` is true, so
the pipeline's `dbt build` never builds them. `run_evaluator` builds them (and the exceptions
seed) with `dbt build --select package:dbt_project_evaluator dbt_project_evaluator_exceptions`
on the local target pointed at a scratch DuckDB file: the package reads dbt's graph (the
manifest), not the warehouse's data, so the run needs no landing files. Each of its failed
tests is a broken rule; each row of that rule's fct model is one `Violation` naming the rule,
the model (or source, exposure) and what to do.

What the evaluator does not check stays in lakehouse_bi.spec.model_quality (every built
column described, `config.meta.grain` and its uniqueness test, `group` and explicit `access`);
docs/ARCHITECTURE.md ("Documentation, grain and access rules") says which tool checks what."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.pipeline.dbt_commands import venv_tool

PACKAGE = "dbt_project_evaluator"
ENABLE_VAR = "dbt_project_evaluator_enabled"
EXCEPTIONS_SEED = "dbt_project_evaluator_exceptions"
EXCEPTIONS_FILE = f"seeds/{EXCEPTIONS_SEED}.csv"
EXCEPTIONS_HEADER = ["fct_name", "column_name", "id_to_exclude", "comment"]
MIN_REASON_CHARS = 40
# The run needs the evaluator, not the project's run bookkeeping: no audit row and no
# Elementary upload for a run over the graph (the scratch database is thrown away).
RUN_VARS: dict[str, Any] = {
    ENABLE_VAR: True,
    "audit_enabled": False,
    "disable_run_results": True,
    "disable_tests_results": True,
    "disable_dbt_artifacts_autoupload": True,
    "disable_dbt_invocation_autoupload": True,
}
SELECTION = (f"package:{PACKAGE}", EXCEPTIONS_SEED)
DEFAULT_WORK_DIR = Path("target/project_evaluator")
FIX_OR_EXCUSE = (
    f"or, where the design wants it, add a row with the reason to {EXCEPTIONS_FILE} "
    "(docs/ARCHITECTURE.md, 'Documentation, grain and access rules')"
)


@dataclass(frozen=True)
class Rule:
    """One evaluator rule: its friendly name (the package's docs), the columns of its fct
    model, how a row names what broke it (a format string over those columns), and what to do
    in this project. `excusable` is False for the coverage rules (one project-wide row)."""

    title: str
    columns: tuple[str, ...]
    subject: str
    fix: str
    excusable: bool = True


def _rule(title: str, columns: str, subject: str, fix: str, excusable: bool = True) -> Rule:
    return Rule(title, tuple(columns.split()), subject, fix, excusable)


# Every fct model of dbt_project_evaluator 1.3.2 (models/marts/*/fct_*.sql), keyed by its name,
# which is also the `fct_name` of an exception row. tests/unit/test_project_evaluator.py keeps
# this table in step with the installed package.
RULES: dict[str, Rule] = {
    # Documentation
    "fct_undocumented_models": _rule(
        "Undocumented models", "resource_name model_type", "model {resource_name}",
        "add a `description` to the model in its folder's _<folder>__models.yml",
    ),
    "fct_documentation_coverage": _rule(
        "Documentation coverage",
        "measured_at total_models documented_models documentation_coverage_pct",
        "{documented_models} of {total_models} models described",
        "describe every model (each is listed under fct_undocumented_models)",
        excusable=False,
    ),
    "fct_undocumented_source_tables": _rule(
        "Undocumented source tables", "resource_name", "source table {resource_name}",
        "add a `description` to the table in its __sources.yml",
    ),
    "fct_undocumented_sources": _rule(
        "Undocumented sources", "source_name", "source {source_name}",
        "add a `description` to the source in its __sources.yml",
    ),
    # Testing
    "fct_missing_primary_key_tests": _rule(
        "Missing primary key tests",
        "resource_name resource_type model_type is_primary_key_tested number_of_tests_on_model "
        "number_of_constraints_on_model",
        "model {resource_name}",
        "test its grain (config.meta.grain): `unique` plus `not_null` (or a not_null "
        "constraint) on one column, or dbt_utils.unique_combination_of_columns on several",
    ),
    "fct_test_coverage": _rule(
        "Test coverage", "measured_at total_models total_tests tested_models test_coverage_pct",
        "{tested_models} of {total_models} models tested",
        "give every model at least its grain test", excusable=False,
    ),
    "fct_sources_without_freshness": _rule(
        "Missing source freshness", "resource_name", "source {resource_name}",
        "give it a `freshness` (warn_after / error_after) and a `loaded_at_field`",
    ),
    # Structure
    "fct_model_naming_conventions": _rule(
        "Model naming conventions", "resource_name prefix model_type appropriate_prefixes",
        "model {resource_name} (a {model_type} model, prefix {prefix})",
        "rename it with a prefix of its layer: {appropriate_prefixes} (docs/ARCHITECTURE.md, "
        "'Layers, folders and names')",
    ),
    "fct_model_directories": _rule(
        "Model directories",
        "resource_name resource_type model_type current_file_path change_file_path_to",
        "{resource_type} {resource_name} (a {model_type} model) at {current_file_path}",
        "move it to the folder of its layer: {change_file_path_to}",
    ),
    "fct_source_directories": _rule(
        "Source directories", "resource_name resource_type current_file_path change_file_path_to",
        "source {resource_name} declared in {current_file_path}",
        "declare it beside the bronze model that reads it ({change_file_path_to})",
    ),
    "fct_test_directories": _rule(
        "Test directories",
        "test_name model_name current_test_directory change_test_directory_to",
        "test {test_name} of model {model_name} in {current_test_directory}",
        "declare it in the model's own YAML, in {change_test_directory_to}",
    ),
    # Modeling (the DAG)
    "fct_staging_dependent_on_staging": _rule(
        "Staging models dependent on other staging models",
        "parent parent_model_type child child_model_type",
        "staging model {child} reads staging model {parent}",
        "a staging model reads only its bronze model: join in an int_ model "
        "(models/silver/intermediate/), or rename the model for the layer it belongs to",
    ),
    "fct_staging_dependent_on_marts_or_intermediate": _rule(
        "Staging models dependent on downstream models",
        "parent parent_model_type child child_model_type",
        "staging model {child} reads {parent_model_type} model {parent}",
        "a staging model reads only its bronze model: rename the model for its layer",
    ),
    "fct_marts_or_intermediate_dependent_on_source": _rule(
        "Downstream models dependent on source",
        "parent parent_resource_type child child_model_type",
        "{child_model_type} model {child} reads source {parent}",
        "only bronze models call source(): read the source's bronze model instead",
    ),
    "fct_direct_join_to_source": _rule(
        "Direct join to source",
        "parent parent_resource_type child child_resource_type distance",
        "model {child} reads both models and sources ({parent_resource_type} {parent})",
        "read the source through its bronze model",
    ),
    "fct_multiple_sources_joined": _rule(
        "Multiple sources joined", "child source_parents",
        "model {child} reads the sources {source_parents}",
        "one bronze model per source table; join their silver models",
    ),
    "fct_source_fanout": _rule(
        "Source fanout", "parent model_children", "source {parent} is read by {model_children}",
        "one model, its bronze model, reads each source table",
    ),
    "fct_duplicate_sources": _rule(
        "Duplicate sources", "source_db_location source_names",
        "sources {source_names} all point at {source_db_location}",
        "keep one source definition per table",
    ),
    "fct_unused_sources": _rule(
        "Unused sources", "parent", "source {parent} is read by no model",
        "remove it, or read it from a bronze model",
    ),
    "fct_root_models": _rule(
        "Root models", "child", "model {child} has no ref() or source()",
        "name what it reads with ref() / source() (a `-- depends_on: {{{{ ref('...') }}}}` "
        "line where a macro does the reading)",
    ),
    "fct_hard_coded_references": _rule(
        "Hard coded references", "model hard_coded_references",
        "model {model} names {hard_coded_references}",
        "read relations through ref() or source(), never by name",
    ),
    "fct_model_fanout": _rule(
        "Model fanout", "parent parent_model_type leaf_children",
        "{parent_model_type} model {parent} feeds the leaf models {leaf_children}",
        "move what those models share upstream, or leave the last step to the BI layer",
    ),
    "fct_rejoining_of_upstream_concepts": _rule(
        "Rejoining of upstream concepts", "parent child parent_and_child is_loop_independent",
        "model {child} reads {parent} and {parent_and_child}, which reads {parent} and feeds "
        "nothing else",
        "fold {parent_and_child} into {child} as a CTE",
    ),
    "fct_too_many_joins": _rule(
        "Models with too many joins", "resource_name file_path join_count",
        "model {resource_name} refs {join_count} models and sources",
        "split it into intermediate models",
    ),
    # Performance
    "fct_chained_views_dependencies": _rule(
        "Chained view dependencies", "parent child distance path",
        "model {child} is {distance} views away from {parent}",
        "materialize a model of the chain as a table",
    ),
    "fct_exposure_parents_materializations": _rule(
        "Exposure parents materializations",
        "parent_resource_type parent_resource_name exposure_name parent_model_materialization",
        "exposure {exposure_name} reads {parent_resource_type} {parent_resource_name} "
        "(a {parent_model_materialization})",
        "let the dashboard read a table or an incremental model",
    ),
    # Governance
    "fct_public_models_without_contract": _rule(
        "Public models without contracts", "resource_name is_public is_contract_enforced",
        "public model {resource_name} has no enforced contract",
        "enforce a contract (config.contract.enforced, a data_type on every column)",
    ),
    "fct_undocumented_public_models": _rule(
        "Undocumented public models",
        "resource_name access is_described total_defined_columns total_described_columns",
        "public model {resource_name} ({total_described_columns} of {total_defined_columns} "
        "columns described)",
        "describe the model and every column",
    ),
    "fct_exposures_dependent_on_private_models": _rule(
        "Exposures dependent on private models",
        "exposure_name parent_resource_name parent_access parent_resource_type",
        "exposure {exposure_name} reads the {parent_access} {parent_resource_type} "
        "{parent_resource_name}",
        "read a public model (access: public, with a contract)",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Violation:
    """One row of a failed rule's fct model: what broke the rule (`row`, its columns)."""

    rule: str
    row: Mapping[str, Any]

    def _format(self, template: str) -> str:
        return template.format_map({k: "" if v is None else v for k, v in self.row.items()})

    @property
    def subject(self) -> str:
        rule = RULES.get(self.rule)
        return self._format(rule.subject) if rule else json.dumps(dict(self.row), default=str)

    def __str__(self) -> str:
        rule = RULES.get(self.rule)
        if rule is None:
            return f"{self.rule}: {self.subject}"
        excuse = f"; {FIX_OR_EXCUSE}" if rule.excusable else ""
        fix = self._format(rule.fix)
        return f"{self.rule} ({rule.title}): {self.subject}. What to do: {fix}{excuse}."

    def as_dict(self) -> dict[str, Any]:
        rule = RULES.get(self.rule)
        return {
            "rule": self.rule,
            "title": rule.title if rule else None,
            "subject": self.subject,
            "fix": self._format(rule.fix) if rule else None,
            "row": {k: v if isinstance(v, int | float | bool | None) else str(v)
                    for k, v in self.row.items()},
        }  # fmt: skip


@dataclass
class EvaluatorRun:
    """What one evaluator run found: `violations` (broken rules), `errors` (nodes of the run
    that errored: a bug in the configuration, not a broken rule), the rule count and the
    wall time in seconds."""

    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rules_checked: int = 0
    duration_seconds: float = 0.0

    def problems(self) -> list[str]:
        """Every violation and error as one line each (empty: the project follows the rules)."""
        return [str(v) for v in self.violations] + self.errors


def _like_regex(pattern: str) -> re.Pattern[str]:
    """SQL `like` (the evaluator's filter_exceptions) as a regex: % any run, _ any character,
    case-sensitive like DuckDB's and Databricks' LIKE."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def read_exceptions(project_dir: Path) -> list[dict[str, str]]:
    """The rows of seeds/dbt_project_evaluator_exceptions.csv. Raises ConfigError when the file
    is missing or its header is not the evaluator's four columns."""
    path = project_dir / EXCEPTIONS_FILE
    if not path.is_file():
        raise ConfigError(
            f"{EXCEPTIONS_FILE} does not exist.",
            f"Create it with the header {','.join(EXCEPTIONS_HEADER)} (the evaluator's "
            "exceptions seed; it may hold no row).",
        )
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != EXCEPTIONS_HEADER:
            raise ConfigError(
                f"{EXCEPTIONS_FILE}: header {reader.fieldnames} is not "
                f"{','.join(EXCEPTIONS_HEADER)}.",
                "Keep the four columns of the evaluator's exceptions seed, in that order.",
            )
        return list(reader)


def resource_names(manifest: Mapping[str, Any]) -> set[str]:
    """Names an exception may excuse: the project's models, snapshots and seeds, its sources
    as `source.table`, its exposures."""
    project = manifest["metadata"].get("project_name")
    names = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["package_name"] == project
        and node["resource_type"] in {"model", "snapshot", "seed"}
    }
    names |= {
        f"{source['source_name']}.{source['name']}"
        for source in manifest.get("sources", {}).values()
        if source["package_name"] == project
    }
    names |= {
        exposure["name"]
        for exposure in manifest.get("exposures", {}).values()
        if exposure["package_name"] == project
    }
    return names


def exception_problems(
    rows: Iterable[Mapping[str, str]], names: set[str] | None = None
) -> list[str]:
    """Problems of the exceptions seed's rows: a rule the evaluator does not have (or that takes
    no exception), a column its fct model lacks, a reason shorter than MIN_REASON_CHARS, a
    repeated row, and, given the project's `names` (resource_names), a value or pattern that
    matches none of them (a stale exception). Row numbers count the header as line 1."""
    problems, seen = [], set()
    for line, row in enumerate(rows, start=2):
        where = f"{EXCEPTIONS_FILE}:{line}"
        fct, column = (row.get("fct_name") or "").strip(), (row.get("column_name") or "").strip()
        excused, reason = (row.get("id_to_exclude") or "").strip(), (row.get("comment") or "")
        rule = RULES.get(fct)
        if rule is None or not rule.excusable:
            excusable = ", ".join(name for name, r in RULES.items() if r.excusable)
            problems.append(f"{where}: fct_name {fct!r} is no rule that takes exceptions "
                            f"(one of: {excusable}).")  # fmt: skip
        elif column not in rule.columns:
            problems.append(
                f"{where}: {fct} has no column {column!r} (it has {', '.join(rule.columns)})."
            )
        if not excused:
            problems.append(f"{where}: id_to_exclude is empty (a name or a `like` pattern).")
        elif names is not None and not any(_like_regex(excused).fullmatch(n) for n in names):
            problems.append(
                f"{where}: {excused!r} matches no model, snapshot, seed, source or exposure of "
                "the project; remove the stale exception."
            )
        if len(reason.strip()) < MIN_REASON_CHARS:
            problems.append(
                f"{where}: the comment must say why the exception is legitimate "
                f"(at least {MIN_REASON_CHARS} characters)."
            )
        key = (fct, column, excused)
        if key in seen:
            problems.append(f"{where}: repeats an earlier row ({fct}, {column}, {excused}).")
        seen.add(key)
    return problems


def _write_profile(work_dir: Path, database: Path) -> Path:
    """A profile of its own for the run: target `local` (DuckDB) on the scratch file, whatever
    the user's profiles.yml says. Returns its folder."""
    profile = {
        "lakehouse_bi": {
            "target": "local",
            "outputs": {
                "local": {"type": "duckdb", "path": str(database), "schema": "main", "threads": 4}
            },
        }
    }
    (work_dir / "profiles.yml").write_text(json.dumps(profile, indent=2))
    return work_dir


def _run_env() -> dict[str, str]:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    for name in ("DBT_TARGET", "DBT_PROFILES_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(name, None)
    return env


def _fct_rows(database: Path, relation_name: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(f"select * from {relation_name}")  # dbt's relation name
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def violations_from(
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    rows_of: Callable[[str], list[dict[str, Any]]],
) -> tuple[list[Violation], list[str]]:
    """The violations (failed or warned evaluator tests: one per row of the tested fct model,
    read with `rows_of(relation_name)`) and the errors (any node of the run that errored) of
    one run's run_results.json and manifest.json."""
    violations: list[Violation] = []
    errors: list[str] = []
    nodes = manifest["nodes"]
    for result in run_results.get("results", []):
        unique_id, status = result["unique_id"], result["status"]
        node = nodes.get(unique_id, {})
        if status in {"error", "runtime error"}:
            message = " ".join(str(result.get("message") or "").split())[:500]
            errors.append(
                f"the evaluator's run failed on {unique_id}: {message} (dbt log: "
                f"{DEFAULT_WORK_DIR}/logs/dbt.log, or the --work-dir given)."
            )
            continue
        if status not in {"fail", "warn"} or node.get("resource_type") != "test":
            continue
        fct_id = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), "")
        fct = nodes.get(fct_id)
        if fct is None or fct.get("package_name") != PACKAGE:
            continue
        found = rows_of(fct["relation_name"])
        if not found:
            errors.append(f"{node['name']} failed but {fct['name']} has no row to report.")
        violations.extend(Violation(fct["name"], row) for row in found)
    return violations, errors


def run_evaluator(project_dir: Path, work_dir: Path | None = None) -> EvaluatorRun:
    """Build the evaluator's models, tests and the exceptions seed on a scratch DuckDB file in
    `work_dir` (default `<project>/target/project_evaluator`, kept between runs so dbt parses
    partially) and return what broke. Raises ConfigError when dbt stops before running
    (a parse or selection error), quoting dbt's output."""
    project_dir = project_dir.resolve()
    work_dir = (work_dir or project_dir / DEFAULT_WORK_DIR).resolve()
    target = work_dir / "target"
    database = work_dir / "evaluator.duckdb"
    for stale in (
        database,
        database.with_name(database.name + ".wal"),
        target / "run_results.json",
    ):
        stale.unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    command = [
        venv_tool("dbt"), "build", "--select", *SELECTION, "--vars", json.dumps(RUN_VARS),
        "--target", "local", "--project-dir", str(project_dir),
        "--profiles-dir", str(_write_profile(work_dir, database)),
        "--target-path", str(target), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=project_dir, env=_run_env(), capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    duration = time.monotonic() - started
    results_file = target / "run_results.json"
    if not results_file.is_file():
        output = (completed.stdout + completed.stderr)[-3000:]
        raise ConfigError(
            f"dbt stopped before running dbt_project_evaluator (exit {completed.returncode}):"
            f"\n{output}",
            "Fix the YAML or Jinja named above (`dbt parse` must succeed), and run "
            "`lakehouse-bi deps` if the package is missing from dbt_packages/.",
        )
    run_results = json.loads(results_file.read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    violations, errors = violations_from(
        run_results, manifest, lambda relation: _fct_rows(database, relation)
    )
    rules = sum(
        1
        for result in run_results.get("results", [])
        if result["unique_id"].startswith(f"test.{PACKAGE}.")
    )
    errors += exception_problems(read_exceptions(project_dir), resource_names(manifest))
    if rules == 0 and not errors:
        errors.append(
            "the run checked no rule: dbt selected none of dbt_project_evaluator's tests "
            f"(is the package in dbt_packages/, and `+enabled` keyed on var {ENABLE_VAR}?)."
        )
    return EvaluatorRun(violations, errors, rules, duration)


def spec_problems(project_dir: Path) -> list[str]:
    """`lakehouse-bi validate` check `evaluator`: every broken evaluator rule and every
    problem of the exceptions seed, one line each (runs the evaluator, see run_evaluator)."""
    return run_evaluator(project_dir).problems()
