"""Parse recorded statements with sqlfluff's `databricks` dialect and report the failures.

Parsing ~2,000 statements one by one would cost minutes, so each statement is reduced to
grammar-equivalent *units* that are parsed once each (cached per process):

* literal contents and quoted identifiers become placeholders (numbers become 1), comments
  are dropped -- using the same regular expressions as sqlfluff's sparksql/databricks lexer,
  so token boundaries agree; sqlfluff never looks inside a literal when parsing;
* rows of a multi-row `VALUES` list that now look alike are kept once (Elementary's 100 kB
  artifact INSERTs shrink to a few rows);
* every parenthesised sub-query longer than a few hundred characters is parsed on its own and
  replaced by `(select 1)` in its parent, so one model's SQL wrapped by different statements
  (temp view, unit test, column-schema probe, test query) is parsed once.

A statement fails when one of its units fails *and* sqlfluff also rejects the full original
text, whose message is the one reported. `exhaustive=True` parses every full text instead.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache

from .fake_connection import RecordedStatement

# Literal, identifier and comment tokens, as sqlfluff's ansi/sparksql lexers define them.
_TOKENS = re.compile(
    r"(?P<comment>--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)"
    r"|(?P<prefixed>(?<!\w)[rRxX]'(?:[^'\\]|\\.)*'|(?<!\w)[rRxX]\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<single>'(?:[^'\\]|\\.|'')*')"
    r"|(?P<double>\"(?:\"\"|[^\"\\]|\\.)*\")"
    r"|(?P<back>`(?:[^`]|``)*`)",
    re.DOTALL,
)
_PLACEHOLDER = {"comment": " ", "prefixed": "'s'", "single": "'s'", "double": '"s"', "back": "`i`"}
# Unsuffixed numeric literals (not digits inside identifiers such as `b0000_20250101`).
_NUMBER = re.compile(r"(?<![\w.])(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![\w.])")
_LITERALS = {"'s'", '"s"', "1", "-1", "null", "true", "false"}
_SUBQUERY = re.compile(r"\(\s*(?:select|with)\b", re.IGNORECASE)
_MIN_SUBQUERY = 300  # shorter sub-queries stay in their parent


@dataclass(frozen=True)
class ParseFailure:
    statement: RecordedStatement
    error: str  # sqlfluff's message for the first unparsable / unlexable section

    def __str__(self) -> str:
        s = self.statement
        return f"[{s.invocation} #{s.seq} {s.kind} {s.node_id}] {self.error}\n{s.body}"


@lru_cache(maxsize=1)
def _linter():
    """sqlfluff is slow to import and configure: once per process."""
    from sqlfluff.core import FluffConfig, Linter

    # raw templater: recorded SQL is final text; `{{`/`{%` inside literals must stay literal.
    config = FluffConfig(
        overrides={"dialect": "databricks", "templater": "raw", "large_file_skip_byte_limit": 0}
    )
    return Linter(config=config)


def parse_error(sql: str) -> str | None:
    """None if sqlfluff lexes and parses `sql` completely, else its first error message."""
    parsed = _linter().parse_string(sql)
    for violation in parsed.violations:
        if type(violation).__name__ in ("SQLParseError", "SQLLexError"):
            return violation.desc()
    if parsed.tree is None:
        return "sqlfluff produced no parse tree"
    unparsable = next(iter(parsed.tree.recursive_crawl("unparsable")), None)
    if unparsable is not None:
        return f"unparsable section: {unparsable.raw[:200]!r}"
    return None


def _placeholders(sql: str) -> str:
    text = _TOKENS.sub(lambda m: _PLACEHOLDER[m.lastgroup or "comment"], sql)
    text = _NUMBER.sub("1", text)
    return re.sub(r"\s+", " ", text).strip()


def _row_key(row: str) -> str:
    """Rows of only literals are alike when they hold the same kinds of literal: each item is
    parsed on its own, so `('s', null)` and `(null, 's')` exercise the same grammar."""
    items = [item.strip().lower() for item in row[1:-1].split(",")]
    if all(item in _LITERALS for item in items):
        return f"literals{len(items)}:{sorted(set(items))}"
    return row


def _matching_paren(text: str, start: int) -> int:
    """Index of the `)` closing the `(` at `start` (literals are placeholders by now)."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text) - 1


def _collapse_values_rows(text: str) -> str:
    """Keep the first row of each distinct shape in every `values (...), (...)` list."""
    out, pos = [], 0
    for m in re.finditer(r"\bvalues\s*(?=\()", text, re.IGNORECASE):
        if m.start() < pos:
            continue
        out.append(text[pos : m.end()])
        rows: list[str] = []
        seen: set[str] = set()
        i = m.end()
        while True:
            end = _matching_paren(text, i)
            row = text[i : end + 1]
            if _row_key(row) not in seen:
                seen.add(_row_key(row))
                rows.append(row)
            nxt = re.match(r"\s*,\s*\(", text[end + 1 :])
            if not nxt:
                pos = end + 1
                break
            i = end + nxt.end()
        out.append(", ".join(rows))
    out.append(text[pos:])
    return "".join(out)


def statement_units(sql: str) -> list[str]:
    """The grammar-equivalent pieces of a statement; see the module docstring."""
    units: list[str] = []

    def split(text: str) -> str:
        out, pos = [], 0
        for m in _SUBQUERY.finditer(text):
            if m.start() < pos:
                continue  # inside a sub-query already cut out
            end = _matching_paren(text, m.start())
            inner = text[m.start() + 1 : end]
            if len(inner) < _MIN_SUBQUERY:
                continue
            units.append(split(inner))
            out.append(text[pos : m.start()] + "(select 1)")
            pos = end + 1
        out.append(text[pos:])
        return "".join(out)

    units.insert(0, split(_collapse_values_rows(_placeholders(sql))))
    return units


@cache
def _unit_error(unit: str) -> str | None:
    return parse_error(unit)


def statement_error(body: str) -> str | None:
    """sqlfluff's error for one statement, or None if it parses (via its cached units)."""
    if all(_unit_error(unit) is None for unit in statement_units(body)):
        return None
    return parse_error(body)  # confirm on the full text and report real positions


def _statement_errors(bodies: list[str]) -> list[str | None]:
    return [statement_error(body) for body in bodies]


class ParseCheck:
    """Parses statements in worker processes as they are recorded, so parsing overlaps with
    the dbt runs (dbt is bound to one core; one worker keeps up with it)."""

    def __init__(self, workers: int = 1, chunk_chars: int = 200_000) -> None:
        # spawn, not fork: dbt leaves threads behind, and forking a threaded process can hang.
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        self._chunk_chars = chunk_chars
        self._by_body: dict[str, list[RecordedStatement]] = {}
        self._pending: list[tuple[list[str], Future[list[str | None]]]] = []
        self._chunk: list[str] = []
        self._size = 0

    def add(self, statement: RecordedStatement) -> None:
        """Queue one statement; full chunks go to the workers at once (usable as a
        FakeWarehouse listener, so parsing runs while dbt is still running)."""
        body = statement.body
        if statement.is_metadata_call or not body.strip():
            return
        if body in self._by_body:
            self._by_body[body].append(statement)
            return
        self._by_body[body] = [statement]
        self._chunk.append(body)
        self._size += len(body) + 5_000  # small statements still cost a parse each
        if self._size >= self._chunk_chars:
            self.flush()

    def submit(self, statements: Iterable[RecordedStatement]) -> None:
        for statement in statements:
            self.add(statement)
        self.flush()

    def flush(self) -> None:
        if self._chunk:
            chunk, self._chunk, self._size = self._chunk, [], 0
            self._pending.append((chunk, self._pool.submit(_statement_errors, chunk)))

    def failures(self) -> list[ParseFailure]:
        """Wait for the parses; every statement that does not parse, in send order."""
        self.flush()
        failures = [
            ParseFailure(statement, error)
            for chunk, future in self._pending
            for body, error in zip(chunk, future.result(), strict=True)
            if error is not None
            for statement in self._by_body[body]
        ]
        return sorted(failures, key=lambda f: f.statement.seq)

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def parse_failures(
    statements: Iterable[RecordedStatement], *, exhaustive: bool = False
) -> list[ParseFailure]:
    """Every SQL statement sqlfluff cannot fully lex and parse, checked in this process
    (`exhaustive`: parse every full text instead of its cached units)."""
    check = parse_error if exhaustive else statement_error
    return [
        ParseFailure(s, error)
        for s in statements
        if not s.is_metadata_call and s.body.strip() and (error := check(s.body)) is not None
    ]
