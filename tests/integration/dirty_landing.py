"""Dirty landing records of every public failure class, laid into landed files.

`lay_dirty_records` rewrites each entity's file of one landed batch: its good records (the
generator's, plus valid changes made here, e.g. internationalised e-mail addresses) with bad
records of each class at the start, the middle and the end of the file, and returns what
the pipeline must do with every inserted line: quarantine it (file, line, reason) or apply
it (key and expected value). Line numbers count non-empty lines, a CSV header being line 1
(docs/LANDING.md). The classes:

- malformed rows: a CSV field too many (unquoted comma), too few, an unterminated quote on
  the file's last line; a JSON line truncated, an array, plain text; in both formats a
  record over var landing_max_record_chars (and over DuckDB's 2 MB default line size);
- values not in the contract's literal form (`bad_type`): text in an integer id (the web
  events' session_id included), grouped or hex numbers, `N/A` booleans, US dates;
- valid records the contract accepts: e-mail domains in Japanese, Danish and Devanagari.

Every bad record carries MARKER in a text field, so a test can prove no raw record reached
a log or artifact.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from lakehouse_bi.entity_registry import load_registry

MARKER = "Zyxwvut Dirty"  # in every bad record; must never appear in logs or artifacts
LONG_CHARS = 2_200_000  # over landing_max_record_chars (1,000,000) and DuckDB's 2 MiB lines
POSITIONS = ("start", "middle", "end")
CHANGED_AT = "T08:00:00"  # time of day of the valid changes made here, on the batch day
KEYS = {name: entity.key for name, entity in load_registry().items()}
# Valid changes applied with the bad records: (entity, column, values); CDC entities update
# existing keys, web events are new ones.
VALID_CHANGES = {
    "customers": ("email", ["taro.yamada@例え.日本", "søren@blåbær.dk", "ravi@उदाहरण.भारत"]),
    "products": ("list_price", ["11.11", "22.22", "33.33"]),
    "orders": ("status", ["cancelled", "cancelled", "cancelled"]),
    "order_lines": ("quantity", [7, 8, 9]),
    "web_events": ("page_url", ["/dirty/valid/1", "/dirty/valid/2", "/dirty/valid/3"]),
}
# bad_type: (column, value not in the literal form of its type), one per position.
BAD_TYPES = {
    "customers": [("signup_date", "05/19/2024"), ("customer_id", "12a"), ("signup_date", "N/A")],
    "products": [("list_price", "1,296.99"), ("is_active", "N/A"), ("unit_cost", "0x10")],
    "orders": [("customer_id", "abc"), ("order_ts", "01/01/2026 10:00"), ("order_id", "9.5")],
    "order_lines": [("quantity", "2nd"), ("unit_price", "1_199.99"), ("line_number", "1e3")],
    "web_events": [("session_id", "s-17"), ("session_id", "1.5"), ("event_id", "0x10")],
}
TEXT_FIELD = {"customers": "street_address", "products": "product_name", "orders": "payment_method",
              "order_lines": "op", "web_events": "page_url"}  # fmt: skip


@dataclass(frozen=True)
class LaidLine:
    """One inserted line and what the pipeline must make of it."""

    entity: str
    source_file: str  # relative to the landing root, as bronze's _source_file
    source_line: int
    label: str  # the failure class, e.g. "malformed:unterminated_quote@end"
    reason: str | None  # the quarantine reason it must get; None: a valid record
    key: int | None = None  # valid records: the key whose state it sets
    value: object = None  # valid records: the value of VALID_CHANGES' column


def _csv_line(row: dict[str, object], header: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([row[c] for c in header])
    return buffer.getvalue()


def _records(path: Path, fmt: str) -> tuple[list[str] | None, list[dict]]:
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            return list(reader.fieldnames or []), list(reader)
    return None, [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _bad_lines(entity: str, fmt: str, template: dict, header: list[str] | None, position: str,
               index: int) -> list[tuple[str, str, str]]:  # fmt: skip
    """(text, label, reason) of every bad class at one position."""
    key = KEYS[entity]
    text_field = TEXT_FIELD[entity]
    fresh = {**template, key: 3_000_000_000 + index * 10}
    marked = {**fresh, text_field: f"{MARKER} {position}"}
    column, bad_value = BAD_TYPES[entity][POSITIONS.index(position)]
    bad_type = {**marked, column: bad_value}
    long_record = {**fresh, text_field: MARKER + "x" * LONG_CHARS}
    lines: list[tuple[str, str, str]] = []
    if fmt == "csv":
        assert header is not None
        extra = _csv_line({**marked, text_field: "12 Main St"}, header).replace(
            "12 Main St", f"{MARKER}, Apt 4", 1
        )
        lines += [
            (extra, "malformed:field_too_many", "malformed_row"),
            (f"{fresh[key]},{MARKER},Three", "malformed:too_few_fields", "malformed_row"),
            (_csv_line(long_record, header), "malformed:over_long", "malformed_row"),
            (_csv_line(bad_type, header), f"bad_type:{column}", "bad_type"),
        ]
        if position == "end":  # an unterminated quote can only be a file's last line
            lines.append((f'{fresh[key]},"{MARKER},Lee', "malformed:unterminated_quote",
                          "malformed_row"))  # fmt: skip
    else:
        lines += [
            (json.dumps(marked)[:40], "malformed:truncated_object", "malformed_row"),
            (f'["{MARKER}", 2]', "malformed:array", "malformed_row"),
            (f"{MARKER} is not json", "malformed:plain_text", "malformed_row"),
            (json.dumps(long_record), "malformed:over_long", "malformed_row"),
            (json.dumps(bad_type, ensure_ascii=False), f"bad_type:{column}", "bad_type"),
        ]
    return [(text, f"{label}@{position}", reason) for text, label, reason in lines]


def touched_keys(generated: Path) -> dict[str, set[int]]:
    """Per entity, the keys any CDC batch of a generator output changes (so a valid change
    made here is on a key no generated record changes again)."""
    touched: dict[str, set[int]] = {entity: set() for entity in KEYS}
    for entity, key in KEYS.items():
        for path in generated.glob(f"{entity}/batch=*/*"):
            if "batch=b0000_" in str(path):
                continue
            fmt = "csv" if path.suffix == ".csv" else "jsonl"
            touched[entity] |= {int(r[key]) for r in _records(path, fmt)[1]}
    return touched


def lay_dirty_records(landing: Path, batch_id: str, avoid: dict[str, set[int]],
                      entities: tuple[str, ...] = tuple(KEYS),
                      positions: tuple[str, ...] = POSITIONS) -> list[LaidLine]:  # fmt: skip
    """Rewrite each entity's landed file of `batch_id` with valid changes and bad records at
    `positions`; return every inserted line with its expected outcome. Valid changes go to
    keys of the initial load not in `avoid` (touched_keys), dated `<batch date>T08:00:00`."""
    laid: list[LaidLine] = []
    day = batch_id.split("_")[1]
    changed_at = f"{day[:4]}-{day[4:6]}-{day[6:]}{CHANGED_AT}"
    for entity_index, entity in enumerate(entities):
        fmt = "csv" if entity in ("customers", "products") else "jsonl"
        folder = landing / entity / f"batch={batch_id}"
        path = next(folder.glob(f"{entity}_{batch_id}*.{'csv' if fmt == 'csv' else 'jsonl'}"))
        previous = sorted(p for p in (landing / entity).glob("batch=*") if p.name < folder.name)
        header, records = _records(path, fmt)
        base_header, base_records = _records(next(previous[0].glob("*.*")), fmt)
        header = header or base_header
        column, values = VALID_CHANGES[entity]
        valid: list[tuple[str, int, object]] = []
        untouched = [r for r in base_records if int(r[KEYS[entity]]) not in avoid[entity]]
        for offset, value in enumerate(values):
            base = untouched[offset]
            if entity == "web_events":
                row = {**base, KEYS[entity]: 2_900_000_000 + offset, column: value,
                       "event_ts": changed_at}  # fmt: skip
            else:
                row = {**base, column: value, "updated_at": changed_at, "op": "update"}
            text = _csv_line(row, header) if fmt == "csv" else json.dumps(row, ensure_ascii=False)
            valid.append((text, int(row[KEYS[entity]]), value))
        good = [(_csv_line(r, header) if fmt == "csv" else json.dumps(r)) for r in records]
        good_outcomes: list[tuple[str, str, str | None, int | None, object]] = [
            (text, "generator", None, None, None) for text in good
        ]
        valid_outcomes = [(t, "valid", None, k, v) for t, k, v in valid]
        # start: bad lines first; middle: between halves of the good records; end: last.
        body = valid_outcomes[:1] + good_outcomes[: len(good_outcomes) // 2] + valid_outcomes[1:2]
        tail = good_outcomes[len(good_outcomes) // 2 :] + valid_outcomes[2:]
        placed = {position: [(t, label, reason, None, None) for t, label, reason in _bad_lines(
            entity, fmt, base_records[-1], header, position, entity_index * 100 + i
        )] for i, position in enumerate(positions)}  # fmt: skip
        ordered = (placed.get("start", []) + body + placed.get("middle", []) + tail
                   + placed.get("end", []))  # fmt: skip
        first_line = 2 if fmt == "csv" else 1
        source_file = f"{entity}/batch={batch_id}/{path.name}"
        for number, (_, label, reason, key, value) in enumerate(ordered, start=first_line):
            if label != "generator":
                laid.append(LaidLine(entity, source_file, number, label, reason, key, value))
        lines = ([",".join(header)] if fmt == "csv" else []) + [t for t, *_ in ordered]
        # No line end after the last line: an unterminated quote must be the file's end.
        path.write_text("\n".join(lines), encoding="utf-8")
    return laid


def redeliver_files(root: Path, batches: list[str]) -> None:
    """Re-deliveries of every entity under a landing (or generated) root of >= 4 batches: the
    initial load's files copied into the first CDC batch's folder (landed one run later than
    the originals) and the second CDC batch's own files into the third's (the same run when
    both batches land together). Byte copies, under their original names."""
    initial, first, second, third = batches[:4]
    for entity in KEYS:
        for source, target in ((initial, first), (second, third)):
            for path in sorted((root / entity / f"batch={source}").iterdir()):
                if path.name.startswith(f"{entity}_{source}"):
                    folder = root / entity / f"batch={target}"
                    folder.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, folder / path.name)
