"""`read_files(...)` of the recorded SQL over real landed files, for the Sail backend.

Databricks' `read_files` is a table-valued function Sail does not have. Each call in a
statement is replaced by a temporary view over a DataFrame built from the files it names,
with the options it passes:

- `format => 'binaryFile'` (file listing): path, length, modificationTime; no content read.
- an explicit `schema` (bronze: every column a string, `_corrupt_record`, PERMISSIVE): the
  records as Spark's PERMISSIVE readers give them. Sail 0.7's CSV reader has no PERMISSIVE
  mode (a row of the wrong width fails the whole query), so the records are parsed here by
  the same rules: CSV header names matched to the schema by name (`rescuedDataColumn` set),
  a row whose field count differs from the header's or that does not tokenize is a corrupt
  record (its text in `_corrupt_record`, its columns null); a JSON line that is not an object
  is corrupt; a JSON scalar read into a STRING column is its JSON text. Empty lines are
  skipped. `_metadata.file_path` is the `file:` URI, `file_block_start` 0 (one block a file).
- no schema, `inferColumnTypes` (schema-change detection's DESCRIBE QUERY): Sail's own
  `spark.read` with schema inference over a copy of each file holding only its well-formed
  records (same rules as above). Databricks infers in PERMISSIVE mode, where a malformed
  record adds nothing to the schema (JSON: a `_corrupt_record` column, which the project
  ignores); Sail's inference fails the query on one. A file without any well-formed record
  infers no column.
- `modifiedAfter`: only files modified strictly after the timestamp (Spark's generic file
  source option), applied to the listing.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

# Spark's CSV parser has no field size limit (maxCharsPerColumn -1); Python's is 128 KiB.
csv.field_size_limit(2**31 - 1)

_METADATA_TYPE = pa.struct(
    [
        ("file_path", pa.string()),
        ("file_name", pa.string()),
        ("file_size", pa.int64()),
        ("file_block_start", pa.int64()),
        ("file_block_length", pa.int64()),
        ("file_modification_time", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(frozen=True)
class ReadFilesCall:
    path: str
    options: dict[str, str]  # option names lower-cased

    @property
    def format(self) -> str:
        return self.options.get("format", "").lower()


def parse_schema(schema: str) -> list[str]:
    """Column names of a `read_files` schema string such as "`a` STRING, `b` STRING"."""
    names = []
    for part in re.split(r",\s*(?=`|\w)", schema.strip()):
        m = re.match(r"\s*(`(?:[^`]|``)+`|\w+)\s+(\w+)", part)
        if not m:
            raise ValueError(f"read_files schema: cannot read column definition {part!r}")
        if m.group(2).lower() != "string":
            raise ValueError(f"read_files schema: only STRING columns are emulated, got {part!r}")
        names.append(m.group(1).strip("`").replace("``", "`"))
    return names


def local_path(path: str) -> str:
    return re.sub(r"\Afile:(//)?", "", path)


def file_uri(path: str) -> str:
    return "file:" + os.path.abspath(path)


def list_files(call: ReadFilesCall) -> list[str]:
    """Files the call reads, sorted by path (a glob or one file), after modifiedAfter."""
    pattern = local_path(call.path)
    files = sorted(p for p in glob.glob(pattern) if os.path.isfile(p))
    after = call.options.get("modifiedafter")
    if after:
        cutoff = _parse_timestamp(after)
        files = [p for p in files if _mtime(p) > cutoff]
    return files


def _parse_timestamp(text: str) -> dt.datetime:
    """Spark's modifiedAfter form YYYY-MM-DDTHH:mm:ss[.ffffff], read as UTC."""
    value = dt.datetime.fromisoformat(text.strip().replace(" ", "T"))
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _mtime(path: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(os.stat(path).st_mtime, tz=dt.timezone.utc)


def listing_table(call: ReadFilesCall) -> pa.Table:
    files = list_files(call)
    return pa.table(
        {
            "path": pa.array([file_uri(p) for p in files], pa.string()),
            "modificationTime": pa.array([_mtime(p) for p in files], pa.timestamp("us", tz="UTC")),
            "length": pa.array([os.path.getsize(p) for p in files], pa.int64()),
        }
    )


def permissive_table(call: ReadFilesCall) -> pa.Table:
    """The records of every file as STRING columns plus `_corrupt_record` (and the rescued
    data column, null) and `_metadata`, in file then line order."""
    columns = parse_schema(call.options["schema"])
    corrupt = call.options.get("columnnameofcorruptrecord", "_corrupt_record")
    data_columns = [c for c in columns if c != corrupt]
    rescued = call.options.get("rescueddatacolumn")
    out: dict[str, list] = {c: [] for c in columns}
    if rescued:
        out[rescued] = []
    metadata: list[dict] = []
    for path in list_files(call):
        meta = {
            "file_path": file_uri(path),
            "file_name": Path(path).name,
            "file_size": os.path.getsize(path),
            "file_block_start": 0,
            "file_block_length": os.path.getsize(path),
            "file_modification_time": _mtime(path),
        }
        reader = _csv_records if call.format == "csv" else _json_records
        for values, corrupt_text in reader(path, data_columns):
            for c in data_columns:
                out[c].append(values.get(c))
            if corrupt in out:
                out[corrupt].append(corrupt_text)
            if rescued:
                out[rescued].append(None)
            metadata.append(meta)
    arrays = {c: pa.array(v, pa.string()) for c, v in out.items()}
    arrays["_metadata"] = pa.array(metadata, _METADATA_TYPE)
    return pa.table(arrays)


def _lines(path: str) -> list[str]:
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    return [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r") != ""]


def _csv_records(path: str, columns: list[str]):
    lines = _lines(path)
    if not lines:
        return
    header = next(csv.reader([lines[0]]))
    wanted = {c.lower(): c for c in columns}
    for line in lines[1:]:
        try:
            fields = next(csv.reader([line], strict=True))
        except csv.Error:
            fields = None
        if fields is None or len(fields) != len(header):
            yield {}, line
            continue
        values = {}
        for name, value in zip(header, fields, strict=True):
            column = wanted.get(name.strip().lower())
            if column is not None:
                values[column] = None if value == "" else value
        yield values, None


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Raw):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


class _Raw(str):
    """A JSON number kept as its source text (Spark reads a number into STRING as written)."""


def _json_records(path: str, columns: list[str]):
    wanted = {c.lower(): c for c in columns}
    for line in _lines(path):
        try:
            record = json.loads(line, parse_float=_Raw, parse_int=_Raw)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            yield {}, line
            continue
        values = {}
        for key, value in record.items():
            column = wanted.get(key.lower())
            if column is not None:
                values[column] = _json_text(value)
        yield values, None


def well_formed_copy(path: str, fmt: str, scratch: Path) -> Path | None:
    """A copy of a landing file in `scratch` with only its well-formed records (the CSV
    header kept), for schema inference as PERMISSIVE mode does it; None if none is."""
    lines = _lines(path)
    if fmt == "csv":
        records = _csv_records(path, [])
        kept = lines[:1] + [line for line, (_, corrupt) in zip(lines[1:], records, strict=True)
                            if corrupt is None]  # fmt: skip
        has_records = len(kept) > 1
    else:
        kept = [line for line, (_, corrupt) in zip(lines, _json_records(path, []), strict=True)
                if corrupt is None]  # fmt: skip
        has_records = bool(kept)
    if not has_records:
        return None
    target = scratch / str(abs(hash(path))) / Path(path).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


def inference_reader_args(call: ReadFilesCall) -> tuple[str, dict[str, str], list[str]]:
    """(spark.read format, options, files) for a read_files call without a schema."""
    options = {"inferSchema": "true"}
    if call.format == "csv":
        options["header"] = "true" if call.options.get("header", "false") == "true" else "false"
    return ("csv" if call.format == "csv" else "json"), options, list_files(call)
