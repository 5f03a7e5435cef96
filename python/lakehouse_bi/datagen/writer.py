"""Files in the landing-zone layout of docs/LANDING.md, written through DuckDB."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from lakehouse_bi.datagen.schema import ENTITIES, EntitySpec, Kind
from lakehouse_bi.errors import ConfigError

MANIFEST_NAME = "_manifest.json"
CHANGES_NAME = "_changes.jsonl"  # the generator's per-record log (docs/LANDING.md)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
STAGING_PREFIX = ".generate-staging-"


def batch_id(sequence: int, batch_date: dt.date) -> str:
    """`b0000_20250101`: zero-padded sequence then date, so sorting ids sorts batches in time."""
    return f"b{sequence:04d}_{batch_date:%Y%m%d}"


def entity_file(spec: EntitySpec, batch: str, part: int | None = None) -> str:
    """Path relative to the landing root, with `/` separators (as stored in the manifest)."""
    ext = "csv" if spec.file_format == "csv" else "jsonl"
    suffix = "" if part is None else f"_part{part:03d}"
    return f"{spec.name}/batch={batch}/{spec.name}_{batch}{suffix}.{ext}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _csv_expr(name: str, kind: Kind) -> str:
    col = _quote(name)
    if kind is Kind.TIMESTAMP:
        return f"strftime({col}, '{TIMESTAMP_FORMAT}') AS {col}"
    if kind is Kind.DECIMAL2:
        return f"CAST({col} AS DECIMAL(18, 2)) AS {col}"
    return col  # ints, strings, dates (YYYY-MM-DD) and booleans (true/false) render as-is


def _json_value(name: str, kind: Kind, nullable: bool, prerendered: bool) -> str:
    """SQL producing the JSON text of one value ('null' for NULL)."""
    col = _quote(name)
    if prerendered:
        text = f"CAST({col} AS VARCHAR)"  # dictionary values already hold JSON strings
    elif kind is Kind.INT:
        text = f"CAST({col} AS VARCHAR)"
    elif kind is Kind.DECIMAL2:
        # DuckDB's JSON writer would print 12.5; the contract wants 2 places, still a number.
        text = f"CAST(CAST({col} AS DECIMAL(18, 2)) AS VARCHAR)"
    elif kind is Kind.TIMESTAMP:
        text = f"'\"' || strftime({col}, '{TIMESTAMP_FORMAT}') || '\"'"
    elif kind is Kind.DATE:
        text = f"'\"' || CAST({col} AS VARCHAR) || '\"'"
    elif kind is Kind.BOOL:
        text = f"CASE WHEN {col} THEN 'true' ELSE 'false' END"
    else:
        text = f"to_json({col})"  # escapes quotes, backslashes and control characters
    return f"coalesce({text}, 'null')" if nullable else text


def _prerender_labels(table: pa.Table, spec: EntitySpec) -> tuple[pa.Table, set[str]]:
    """JSON-encode the few distinct values of dictionary columns once instead of per row."""
    done = set()
    for name, kind in spec.fields:
        column = table.column(name)
        if kind is not Kind.STR or not pa.types.is_dictionary(column.type):
            continue
        chunks = []
        for chunk in column.chunks:
            values = [json.dumps(v, ensure_ascii=False) for v in chunk.dictionary.to_pylist()]
            chunks.append(pa.DictionaryArray.from_arrays(chunk.indices, pa.array(values)))
        table = table.set_column(table.schema.get_field_index(name), name, pa.chunked_array(chunks))
        done.add(name)
    return table, done


def json_line_sql(spec: EntitySpec, relation: str, table: pa.Table) -> tuple[str, pa.Table]:
    """SQL rendering each row as one JSON object, and the table it must run against."""
    table, prerendered = _prerender_labels(table, spec)
    parts = []
    for i, (name, kind) in enumerate(spec.fields):
        nullable = table.column(name).null_count > 0
        value = _json_value(name, kind, nullable, name in prerendered)
        parts.append(f"'{'{' if i == 0 else ','}{json.dumps(name)}:' || {value}")
    return f"SELECT {' || '.join(parts)} || '}}' AS line FROM {relation}", table


def csv_sql(spec: EntitySpec, relation: str) -> str:
    return f"SELECT {', '.join(_csv_expr(n, k) for n, k in spec.fields)} FROM {relation}"


@dataclass
class EntityOutput:
    rows: int = 0
    files: list[str] = field(default_factory=list)


@dataclass
class BatchOutput:
    batch_id: str
    batch_date: dt.date
    kind: str  # "initial" (b0000) or "cdc" (daily batches)
    entities: dict[str, EntityOutput] = field(default_factory=dict)
    # Extra manifest keys (changes, eligible, ids, redelivered, anomalies), in output order.
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "batch_date": self.batch_date.isoformat(),
            "kind": self.kind,
            "entities": {
                name: {"rows": out.rows, "files": out.files}
                for name, out in sorted(self.entities.items())
            },
            **self.details,
        }


def render_manifest(manifest: dict) -> str:
    """The manifest's exact text (shared with `lakehouse-bi land`, which filters batches).

    Indented JSON, except that lists of plain values (file names, ids) stay on one line.
    """
    return _render_json(manifest, 0) + "\n"


def _render_json(value: object, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_render_json(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [f"{inner}{_render_json(v, depth + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def csv_text(columns: list[str], rows: list[list[str]], header: bool) -> str:
    """CSV as the contract wants it: `,`, `"` quoting when needed, `\\n` line ends."""
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=",", quotechar='"', lineterminator="\n")
    if header:
        out.writerow(columns)
    out.writerows(rows)
    return buffer.getvalue()


class LandingWriter:
    """Writes entity tables into a private staging folder, published only when complete.

    A failed or interrupted run therefore never leaves half a landing zone behind, and with
    --force the previous output survives until the new one is ready.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        self.staging.mkdir(parents=True)
        self._con = duckdb.connect()
        # Output order must equal table order for byte-identical files across runs.
        self._con.execute("SET preserve_insertion_order = true")
        self._con.execute("SET enable_progress_bar = false")  # our own progress is shown
        self.batches: list[BatchOutput] = []

    def start_batch(self, sequence: int, batch_date: dt.date, kind: str) -> BatchOutput:
        batch = BatchOutput(batch_id(sequence, batch_date), batch_date, kind)
        self.batches.append(batch)
        return batch

    def write(
        self, batch: BatchOutput, entity: str, table: pa.Table, part: int | None = None
    ) -> str:
        spec = ENTITIES[entity]
        missing = [c for c in spec.columns if c not in table.column_names]
        if missing:
            raise ValueError(f"{entity} table lacks column(s) {missing}")
        rel_path = entity_file(spec, batch.batch_id, part)
        target = self.staging / rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if spec.file_format == "csv":
            sql = csv_sql(spec, "entity_rows")
            options = "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"'"
        else:
            sql, table = json_line_sql(spec, "entity_rows", table)
            # Rows are finished JSON text: no quoting, and a delimiter JSON never contains
            # (control characters are escaped), so each text lands verbatim as one line.
            options = f"FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '{chr(1)}'"
        self._con.register("entity_rows", table)
        try:
            path = str(target).replace("'", "''")
            self._con.execute(f"COPY ({sql}) TO '{path}' ({options})")
        finally:
            self._con.unregister("entity_rows")
        out = batch.entities.setdefault(entity, EntityOutput())
        out.rows += table.num_rows
        out.files.append(rel_path)
        return rel_path

    def write_csv_rows(self, batch: BatchOutput, entity: str, rows: list[list[str]]) -> str:
        """A small CSV entity file from rows already rendered as the contract's text."""
        spec = ENTITIES[entity]
        if spec.file_format != "csv":
            raise ValueError(f"{entity} is not a CSV entity")
        rel_path = entity_file(spec, batch.batch_id)
        target = self.staging / rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as fh:
            fh.write(csv_text(spec.columns, rows, header=True))
        out = batch.entities.setdefault(entity, EntityOutput())
        out.rows += len(rows)
        out.files.append(rel_path)
        return rel_path

    def append_lines(self, batch: BatchOutput, entity: str, rel_path: str, text: str, rows: int):
        """Append finished lines (CSV rows or JSON objects) to a file of this batch."""
        with (self.staging / rel_path).open("a", encoding="utf-8", newline="") as fh:
            fh.write(text)
        batch.entities[entity].rows += rows

    def copy_into(self, batch: BatchOutput, entity: str, rel_source: str) -> str:
        """Copy an earlier file into this batch's folder under its original name."""
        name = rel_source.rsplit("/", 1)[-1]
        rel_path = f"{entity}/batch={batch.batch_id}/{name}"
        target = self.staging / rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.staging / rel_source, target)
        return rel_path

    def read_staged(self, rel_path: str) -> bytes:
        return (self.staging / rel_path).read_bytes()

    def log_changes(self, lines: list[str]) -> None:
        """Append entries (one JSON object per line) to the change log."""
        if lines:
            with (self.staging / CHANGES_NAME).open("a", encoding="utf-8", newline="") as fh:
                fh.write("\n".join(lines) + "\n")

    def write_manifest(self, header: dict) -> None:
        manifest = {**header, "batches": [b.to_json() for b in self.batches]}
        (self.staging / MANIFEST_NAME).write_text(render_manifest(manifest), encoding="utf-8")
        (self.staging / CHANGES_NAME).touch()  # always present, empty without changes

    def publish(self) -> None:
        """Replace previous generator output in the root with the staged files."""
        self._con.close()
        for entry in (MANIFEST_NAME, CHANGES_NAME, *ENTITIES):
            old = self.root / entry
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        for entry in sorted(self.staging.iterdir()):
            entry.rename(self.root / entry.name)
        self.staging.rmdir()

    def discard(self) -> None:
        self._con.close()
        shutil.rmtree(self.staging, ignore_errors=True)


class OutputDirError(ConfigError):
    """The output directory cannot be used; the message says what to do."""


def prepare_output(root: Path, force: bool) -> list[Path]:
    """Create/validate the landing root; returns entries --force leaves alone (not ours)."""
    if root.exists() and not root.is_dir():
        raise OutputDirError(f"{root} exists and is not a directory; choose another path")
    existing = sorted(root.iterdir()) if root.is_dir() else []
    if existing and not force:
        raise OutputDirError(
            f"{root} is not empty; pass --force to replace the generated data in it, "
            "or choose an empty or new directory"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(
            f"cannot create {root} ({exc.strerror or exc}); choose a writable directory"
        ) from exc
    if not os.access(root, os.W_OK | os.X_OK):
        raise OutputDirError(f"{root} is not writable; choose a writable directory")
    owned = {MANIFEST_NAME, CHANGES_NAME, *ENTITIES}
    return [e for e in existing if e.name not in owned and not e.name.startswith(STAGING_PREFIX)]
