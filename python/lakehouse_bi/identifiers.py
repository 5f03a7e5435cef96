"""SQL names and literals built from values the CLI does not control (arguments, manifests,
schema files): validated, then quoted, never spliced as text.

A relation name is one to three parts separated by dots; each part is a plain identifier
(`[A-Za-z_][A-Za-z0-9_]*`) or a quoted one: backticks on Databricks (`` `a``b` `` is the
name a`b), double quotes on DuckDB (`"a""b"`), the way dbt writes `relation_name` in the
manifest. Anything else (spaces, `--`, `;`, `VERSION AS OF 0`, a newline) is refused with a
ConfigError naming where the value came from. No name, quoted or not, may hold a control
character: a newline in a name printed into a SQL script starts an executable line.
"""

from __future__ import annotations

import re

from lakehouse_bi.errors import ConfigError

ENGINE_QUOTES = {"databricks": "`", "duckdb": '"'}
_QUOTE_NAMES = {"`": "backticks", '"': "double quotes"}
_PLAIN = r"[A-Za-z_][A-Za-z0-9_]*"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _quote_char(engine: str) -> str:
    try:
        return ENGINE_QUOTES[engine]
    except KeyError:
        raise ConfigError(
            f"No SQL quoting for engine {engine!r}.", "Use duckdb or databricks."
        ) from None


def _part_pattern(quote: str) -> str:
    q = re.escape(quote)
    return rf"(?:{_PLAIN}|{q}(?:[^{q}]|{q}{q})+{q})"


def reject_control_characters(value: str, what: str) -> str:
    """`value` unchanged; ConfigError naming `what` (e.g. "--table", "column of NEW") when it
    holds a control character (newline, tab, NUL, ...) or is not a string."""
    if not isinstance(value, str):
        raise ConfigError(f"{what}: expected a name, got {value!r}.", "Fix the value.")
    found = _CONTROL.search(value)
    if found:
        raise ConfigError(
            f"{what} {value!r} contains a control character ({found.group()!r}).",
            "Names may not hold newlines, tabs or other control characters; rename it.",
        )
    return value


def quote_identifier(name: str, engine: str, what: str = "name") -> str:
    """One identifier quoted for `engine` (`duckdb`: "name", `databricks`: `name`), the quote
    character doubled inside. Raises ConfigError naming `what` for an empty name or one with a
    control character."""
    reject_control_characters(name, what)
    if not name:
        raise ConfigError(f"{what} is empty.", "Give a name.")
    quote = _quote_char(engine)
    return quote + name.replace(quote, quote * 2) + quote


def split_relation(text: str, engine: str, what: str, max_parts: int = 3) -> tuple[str, ...]:
    """The unquoted parts of a relation name of 1..`max_parts` parts, each plain or quoted
    for `engine` (see module doc): '`cat`.gold.`t``x`' -> ('cat', 'gold', 't`x').

    Raises ConfigError naming `what` for anything else: more parts, an empty part, spaces
    or SQL outside quotes, a control character anywhere."""
    reject_control_characters(text, what)
    quote = _quote_char(engine)
    part = re.compile(_part_pattern(quote))
    parts: list[str] = []
    position = 0
    while True:
        match = part.match(text, position)
        if match is None or len(parts) == max_parts:
            break
        found = match.group()
        parts.append(found[1:-1].replace(quote * 2, quote) if found[0] == quote else found)
        position = match.end()
        if position == len(text) or text[position] != ".":
            break
        position += 1
    if position != len(text) or not parts or text.endswith("."):
        example = ".".join(f"{quote}{p}{quote}" for p in ("catalog", "schema", "table"))
        raise ConfigError(
            f"{what} {text!r} is not a table name: 1 to {max_parts} dot-separated parts, each "
            f"a plain identifier or quoted in {_QUOTE_NAMES[quote]}.",
            f"Pass e.g. catalog.schema.table or {example} (a {quote} inside a quoted part "
            "is doubled); nothing else may follow the name.",
        )
    return tuple(parts)


def quote_relation(parts: tuple[str, ...] | list[str], engine: str, what: str = "name") -> str:
    """Every part quoted for `engine` and joined by dots. Raises ConfigError as
    quote_identifier does."""
    return ".".join(quote_identifier(p, engine, what) for p in parts)


def canonical_relation(text: str, engine: str, what: str, max_parts: int = 3) -> str:
    """`text` parsed by split_relation and re-quoted part by part: the only form of a relation
    name that reaches SQL. Idempotent. Raises ConfigError naming `what`."""
    return quote_relation(split_relation(text, engine, what, max_parts), engine, what)


def sql_literal(value: str, engine: str, what: str = "value") -> str:
    """A single-quoted string literal for `engine`. DuckDB: quotes doubled. Databricks: a
    backslash escapes inside literals and adjacent literals concatenate ('a''b' is 'ab'), so
    backslashes and quotes are backslash-escaped, as dbt-spark's escape_single_quotes does.
    Raises ConfigError naming `what` for a control character."""
    reject_control_characters(value, what)
    _quote_char(engine)
    if engine == "databricks":
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + value.replace("'", "''") + "'"
