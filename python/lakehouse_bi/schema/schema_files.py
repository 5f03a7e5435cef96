"""Read a schema to compare: a column -> type map (JSON or YAML), or a landing file to sniff.

Accepted shapes: `{column: type, ...}`, `{columns: {column: type}}` or dbt-style
`{columns: [{name: column, data_type: type}, ...]}`. `.csv` and `.jsonl`/`.ndjson` landing
files are sniffed with DuckDB, the way bronze's schema-change detection sees them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import yaml
from sqlglot import exp

from lakehouse_bi.errors import ConfigError
from lakehouse_bi.identifiers import reject_control_characters
from lakehouse_bi.schema.column_types import parse_type

SCHEMA_SUFFIXES = (".json", ".yml", ".yaml")
LANDING_SUFFIXES = {".csv": "read_csv", ".jsonl": "read_json_auto", ".ndjson": "read_json_auto"}


def load_schema(path: Path, dialect: str) -> dict[str, exp.DataType]:
    """Ordered column -> type of `path`; types in `dialect` for schema files. Raises
    ConfigError naming the file for an unreadable file or type, and for a column name that
    is not a string or holds a control character (a newline in a name would start a line of
    the printed DDL)."""
    suffix = path.suffix.lower()
    if suffix in LANDING_SUFFIXES:
        return {
            _column_name(name, path): parse_type(data_type, "duckdb", f"{path}, column {name}")
            for name, data_type in sniff_landing_file(path)
        }
    if suffix not in SCHEMA_SUFFIXES:
        raise ConfigError(
            f"{path}: cannot read a schema from a {suffix or 'suffix-less'} file.",
            hint="Pass a column -> type map (.json, .yml, .yaml) or a landing file "
            "(.csv, .jsonl, .ndjson).",
        )
    columns = _column_map(_read_document(path), path)
    return {
        _column_name(name, path): parse_type(str(data_type), dialect, f"{path}, column {name}")
        for name, data_type in columns.items()
    }


def _column_name(name: object, path: Path) -> str:
    return reject_control_characters(name, f"{path}: column name")  # type: ignore[arg-type]


def sniff_landing_file(path: Path) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a landing file, inferred from its values."""
    reader = LANDING_SUFFIXES[path.suffix.lower()]
    options = ", header = true" if reader == "read_csv" else ", format = 'newline_delimited'"
    query = f"describe select * from {reader}(?{options}, hive_partitioning = false)"
    try:
        with duckdb.connect() as connection:
            rows = connection.execute(query, [str(path)]).fetchall()
    except duckdb.Error as error:
        raise ConfigError(
            f"{path}: DuckDB cannot read it as a landing file ({error}).",
            hint="Check the file against docs/LANDING.md (CSV with a header row, JSON lines).",
        ) from error
    return [(row[0], row[1]) for row in rows]


def default_table_name(path: Path) -> str:
    """bronze.bronze_<entity> for a file of the landing layout, else the file's stem."""
    match = re.search(r"([^/]+)/batch=[^/]+/[^/]+$", path.as_posix())
    return f"bronze.bronze_{match.group(1)}" if match else path.stem


def _read_document(path: Path) -> object:
    try:
        text = path.read_text()
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ConfigError(
            f"{path}: cannot read it ({error}).", hint="Fix the file's JSON/YAML syntax."
        ) from error


def _column_map(document: object, path: Path) -> dict[str, object]:
    columns = document.get("columns", document) if isinstance(document, dict) else None
    if isinstance(columns, list) and all(
        isinstance(c, dict) and "name" in c and "data_type" in c for c in columns
    ):
        columns = {c["name"]: c["data_type"] for c in columns}
    if not isinstance(columns, dict) or not columns:
        raise ConfigError(
            f"{path}: expected a non-empty column -> type map.",
            hint='Write {"order_id": "bigint", "amount": "decimal(18,2)"}, or a `columns:` '
            "list of {name, data_type} entries as in dbt YAML.",
        )
    return columns
