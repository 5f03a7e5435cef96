"""Small lexical helpers for Databricks SQL text: comments, quoting, top-level scanning.

The catalog and the introspection answers only need to recognise statement *shapes*, so a
quote- and paren-aware scanner is enough; full parsing is left to sqlglot and sqlfluff.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

IDENT = r"(?:`(?:[^`]|``)+`|[A-Za-z_][\w$]*)"
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT}){{0,2}}"
_IDENT_RE = re.compile(IDENT)
_LEADING_COMMENT = re.compile(r"\A\s*(?:/\*.*?\*/|--[^\n]*(?:\n|\Z))", re.DOTALL)


def strip_leading_comments(sql: str) -> str:
    """Drop the dbt query-comment header (and any other leading comments)."""
    while True:
        m = _LEADING_COMMENT.match(sql)
        if not m:
            return sql.strip()
        sql = sql[m.end() :]


MASK_CLAUSE = re.compile(
    rf"\bmask\s+(?P<fn>{QNAME})(?:\s+using\s+columns\s*\((?P<using>[^)]*)\))?", re.IGNORECASE
)


def qualified_name(qname: str) -> str:
    """`Cat`.`sch`.fn -> cat.sch.fn (unquoted, lower case)."""
    return ".".join(split_qname(qname))


def unquote(ident: str) -> str:
    ident = ident.strip()
    if ident.startswith("`") and ident.endswith("`"):
        return ident[1:-1].replace("``", "`")
    return ident


def split_qname(qname: str) -> list[str]:
    """`Cat`.`sch`.tbl -> ['cat', 'sch', 'tbl'] (Unity Catalog names are case-insensitive)."""
    return [unquote(m.group(0)).lower() for m in _IDENT_RE.finditer(qname)]


def unquote_string(literal: str) -> str:
    body = literal.strip()
    if len(body) >= 2 and body[0] == body[-1] and body[0] in "'\"":
        body = body[1:-1]
    return re.sub(r"\\(.)", r"\1", body).replace("''", "'")


def top_level_mask(text: str) -> list[bool]:
    """True for each character at paren depth 0 and outside quotes/backticks/comments."""
    mask = [False] * len(text)
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            i = j + 1
            continue
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0:
            mask[i] = True
        i += 1
    return mask


def find_top_level(text: str, pattern: str, flags: int = re.IGNORECASE) -> re.Match[str] | None:
    mask = top_level_mask(text)
    for m in re.finditer(pattern, text, flags):
        if m.start() < len(mask) and mask[m.start()]:
            return m
    return None


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` where it is not nested in parens, angle brackets or quotes."""
    parts, buf, depth, i, n = [], [], 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            buf.append(text[i : j + 1])
            i = j + 1
            continue
        if c in "(<":
            depth += 1
        elif c in ")>":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(c)
        i += 1
    tail = "".join(buf).strip()
    if tail:
        parts.append(tail)
    return parts


def paren_body(text: str, open_pos: int) -> tuple[str, int]:
    """Return the text inside the paren opening at `open_pos` and the index after its close."""
    assert text[open_pos] == "("
    depth, i, n = 0, open_pos, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[open_pos + 1 : i], i + 1
        i += 1
    return text[open_pos + 1 :], n


_PROP = re.compile(
    r"""\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|[\w.]+)\s*(?:=\s*('(?:[^'\\]|\\.)*'|"""
    r""""(?:[^"\\]|\\.)*"|[\w.+-]+))?\s*""",
)


def parse_properties(body: str) -> dict[str, str]:
    """Parse `'k' = 'v', k2 = v2` (TBLPROPERTIES / TAGS lists); bare keys map to ''."""
    props: dict[str, str] = {}
    for item in split_top_level(body):
        m = _PROP.fullmatch(item)
        if not m:
            continue
        key = unquote_string(unquote(m.group(1)))
        props[key] = unquote_string(m.group(2)) if m.group(2) is not None else ""
    return props


def iter_statements(script: str) -> Iterator[str]:
    """Split a multi-statement script on top-level semicolons."""
    mask = top_level_mask(script)
    start = 0
    for i, c in enumerate(script):
        if c == ";" and mask[i]:
            if script[start:i].strip():
                yield script[start:i].strip()
            start = i + 1
    if script[start:].strip():
        yield script[start:].strip()


class ColumnDef(NamedTuple):
    name: str
    data_type: str
    not_null: bool
    comment: str | None
    mask: str | None = None  # column mask function (`MASK fn [USING COLUMNS (...)]`)
    mask_using: str | None = None


_NOT_TYPES = {"comment", "not", "mask", "default", "generated"}
_STRING_LITERAL = r"'(?:[^'\\]|\\.)*'"


def _leading_type(text: str) -> str:
    """The data type at the start of a column definition (`decimal(10, 2)`, `array<string>`)."""
    m = re.match(r"[A-Za-z_]\w*", text)
    if not m or m.group(0).lower() in _NOT_TYPES:
        return ""
    end = m.end()
    nxt = re.match(r"\s*[(<]", text[end:])
    if nxt:
        depth, i = 0, end + nxt.end() - 1
        while i < len(text):
            depth += {"(": 1, "<": 1, ")": -1, ">": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        end = i + 1
    return text[:end]


def parse_column_definitions(body: str) -> list[ColumnDef]:
    """`a bigint not null comment 'x', b decimal(10,2), constraint pk ...` -> ColumnDefs."""
    defs = []
    for item in split_top_level(body):
        m = re.match(rf"({IDENT})\s*(.*)\Z", item, re.DOTALL)
        if not m:
            continue
        name, rest = unquote(m.group(1)), m.group(2).strip()
        if name.lower() in {"constraint", "primary", "foreign", "check", "unique"}:
            continue
        raw_type = _leading_type(rest)
        tail = rest[len(raw_type) :]
        comment = re.search(rf"\bcomment\s+({_STRING_LITERAL})", tail, re.IGNORECASE)
        mask = MASK_CLAUSE.search(tail)
        defs.append(
            ColumnDef(
                name=name,
                data_type=re.sub(r"\s+", " ", raw_type).lower() or "string",
                not_null=bool(re.search(r"\bnot\s+null\b", tail, re.IGNORECASE)),
                comment=unquote_string(comment.group(1)) if comment else None,
                mask=qualified_name(mask.group("fn")) if mask else None,
                mask_using=mask.group("using") if mask else None,
            )
        )
    return defs


def parse_column_list(body: str) -> list[tuple[str, str]]:
    """A schema hint such as `a BIGINT, b STRING` -> [(name, type)]."""
    return [(d.name, d.data_type) for d in parse_column_definitions(body)]
