"""What the recorded Databricks SQL needs before Sail (a local Spark Connect engine) runs it.

The recording keeps every statement exactly as dbt-databricks sent it; only the copy sent to
Sail is rewritten. Each entry of REWRITES and NOT_SENT is a gap of Sail 0.7 (or a Unity
Catalog / Delta feature without meaning on a laptop engine), never a fix of the project's
SQL: a difference in *results* between the engines is fixed in the project's dispatched
macros, not here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.transforms import eliminate_qualify

from .sql_text import QNAME, find_top_level, paren_body, strip_leading_comments

_I = re.IGNORECASE | re.DOTALL


@dataclass(frozen=True)
class NotSent:
    """Statements recorded but not executed on Sail."""

    name: str
    reason: str
    pattern: re.Pattern[str]


# Unity Catalog governance and Delta table services: Sail has no principals, tags, masks,
# row filters or file layout to optimise. Their effect is checked by the recording tests
# (fake catalog, sqlfluff) and the governance tests, not by execution.
_ALTER = r"\Aalter\s+\w+(?:\s+view)?\s+\S+\s+"  # ALTER TABLE|VIEW|MATERIALIZED VIEW <name>
_COLUMN = r"(?:alter|change)\s+column\s+\S+\s+"


def _statement(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


NOT_SENT = [
    NotSent("GRANT / REVOKE", "Unity Catalog privileges: Sail has no principals",
            _statement(r"\A(grant|revoke)\b")),
    NotSent("SET / UNSET TAGS", "Unity Catalog tags: no Sail equivalent",
            _statement(rf"{_ALTER}({_COLUMN})?(set|unset)\s+tags\b")),
    NotSent("SET / DROP MASK", "Unity Catalog column masks: no Sail equivalent",
            _statement(rf"{_ALTER}{_COLUMN}(set|drop)\s+mask\b")),
    NotSent("SET / DROP ROW FILTER", "Unity Catalog row filters: no Sail equivalent",
            _statement(rf"{_ALTER}(set|drop)\s+row\s+filter\b")),
    NotSent("CREATE / DROP FUNCTION",
            "the Unity Catalog SQL functions behind masks and row filters, which are not sent",
            _statement(r"\A(create|drop)\s+(or\s+replace\s+)?(temporary\s+)?function\b")),
    NotSent("SET / UNSET TBLPROPERTIES", "Delta table properties: Sail keeps none",
            _statement(rf"{_ALTER}(set|unset)\s+tblproperties\b")),
    NotSent("CLUSTER BY", "liquid clustering is a Delta file layout; Sail has none",
            _statement(rf"{_ALTER}cluster\s+by\b")),
    NotSent("OPTIMIZE / VACUUM / ANALYZE", "Delta table services and statistics: no data change",
            _statement(r"\A(optimize|vacuum|analyze)\b")),
    NotSent("COMMENT ON / ALTER COLUMN COMMENT", "comments: metadata the fake catalog keeps",
            _statement(rf"\A(comment\s+on\b|{_ALTER[2:]}{_COLUMN}comment\b)")),
    NotSent("SET OWNER", "Unity Catalog ownership: Sail has no principals",
            _statement(rf"{_ALTER}(set\s+)?owner\s+to\b")),
    NotSent("PRIMARY / FOREIGN KEY, DROP CONSTRAINT",
            "Unity Catalog's informational key constraints: Sail 0.7 parses only ADD CONSTRAINT "
            "... CHECK (which it enforces, so CHECK constraints are sent)",
            _statement(rf"{_ALTER}(add\s+constraint\s+\S+\s+(primary|foreign)\b|drop\s+constraint\b)")),
    NotSent("ALTER COLUMN SET / DROP NOT NULL",
            "Sail 0.7 has no ALTER COLUMN ... NOT NULL; not_null data tests check the same",
            _statement(rf"{_ALTER}{_COLUMN}(set|drop)\s+not\s+null")),
]  # fmt: skip


@dataclass(frozen=True)
class Rewrite:
    name: str
    reason: str
    apply: Callable[[str], str]


def _strip_clause(text: str, keyword: str) -> str:
    """Drop `<keyword> (...)` at the top level of a CREATE header."""
    while m := find_top_level(text, rf"\b{keyword}\s*\(", _I):
        _, end = paren_body(text, m.end() - 1)
        text = text[: m.start()] + text[end:]
    return text


def _split_create(sql: str) -> tuple[str, str | None]:
    """(header, query) of CREATE ... AS <query>; query None for other statements."""
    m = find_top_level(
        sql,
        r"\bas\b(?=(?:\s|--[^\n]*\n|/\*.*?\*/)*(?:\(|select\b|with\b|from\b|values\b|table\b))",
        _I,
    )
    if not re.match(r"create\b", sql, re.I) or m is None:
        return sql, None
    return sql[: m.end()], sql[m.end() :]


def strip_delta_clauses(sql: str) -> str:
    """CREATE header clauses of Unity Catalog / Delta only: TBLPROPERTIES, CLUSTER BY,
    WITH ROW FILTER, column MASK, and the informational key constraints of an enforced
    contract (`CONSTRAINT <name> PRIMARY KEY (...)` / `FOREIGN KEY ... REFERENCES ...` in the
    column list): Sail 0.7 parses no key constraint, and Databricks does not enforce them."""
    if not re.match(r"create\b", sql, re.I):
        return sql
    header, query = _split_create(sql)
    header = _strip_clause(header, "tblproperties")
    header = _strip_clause(header, "cluster\\s+by")
    header = re.sub(r"\bcluster\s+by\s+(auto|none)\b", "", header, flags=re.I)
    header = re.sub(rf"\bwith\s+row\s+filter\s+{QNAME}\s+on\s*\([^)]*\)", "", header, flags=re.I)
    header = re.sub(rf"\bmask\s+{QNAME}(\s+using\s+columns\s*\([^)]*\))?", "", header, flags=re.I)
    header = re.sub(
        rf",\s*constraint\s+\S+\s+(?:primary\s+key\s*\([^)]*\)|foreign\s+key\s*\([^)]*\)"
        rf"\s*references\s+{QNAME}\s*(?:\([^)]*\))?)",
        "",
        header,
        flags=re.I,
    )
    return header + (query or "")


def _rewrite_queries(sql: str, transform: Callable[[exp.Expression], exp.Expression]) -> str:
    """Apply a sqlglot transform to the query of a SELECT, CREATE ... AS, INSERT ... SELECT."""
    if re.match(r"create\b", sql, re.I):
        header, query = _split_create(sql)
        if query is None:
            return sql
        return header + " " + _transform_sql(query, transform)
    if re.match(r"(with|select|\()", sql, re.I):
        return _transform_sql(sql, transform)
    return _transform_sql(sql, transform)


def _transform_sql(sql: str, transform: Callable[[exp.Expression], exp.Expression]) -> str:
    tree = sqlglot.parse_one(sql, read="databricks")
    return tree.transform(transform).sql(dialect="databricks")


def qualify_to_subquery(sql: str) -> str:
    """Sail 0.7's parser has no QUALIFY: sqlglot's eliminate_qualify turns it into a filter
    over a subquery that computes the window (the same rows)."""
    if not re.search(r"\bqualify\b", sql, re.I):
        return sql
    return _rewrite_queries(sql, eliminate_qualify)


_DATE_PART_DOW = re.compile(r"date_part\(\s*'(dayofweek|dayofweek_iso|dow|dow_iso)'\s*,", re.I)


def dayofweek_part(sql: str) -> str:
    """Sail 0.7 rejects `date_part('dayofweek' | 'dayofweek_iso', d)` ("Date part not
    supported"). Databricks defines them as `dayofweek(d)` (1 = Sunday ... 7 = Saturday) and
    1 = Monday ... 7 = Sunday; Sail's dayofweek() is right (its weekday() is not, so it is not
    used)."""
    out, pos = [], 0
    for m in _DATE_PART_DOW.finditer(sql):
        if m.start() < pos:
            continue
        _, end = paren_body(sql, m.start() + len("date_part"))
        argument = sql[m.end() : end - 1].strip()
        iso = m.group(1).lower().endswith("_iso")
        out.append(sql[pos : m.start()])
        out.append(f"((dayofweek({argument}) + 5) % 7 + 1)" if iso else f"dayofweek({argument})")
        pos = end
    out.append(sql[pos:])
    return "".join(out)


def drop_by_name_on_replace_where(sql: str) -> str:
    """`INSERT INTO t BY NAME REPLACE WHERE ...` (DBR 18 / SQL warehouses): Sail parses BY NAME
    and REPLACE WHERE only apart. dbt-databricks selects the target's columns in the
    target's order, so positional insert is the same."""
    return re.sub(r"\A(insert\s+into\s+\S+)\s+by\s+name\s+(replace\s+where\b)", r"\1 \2", sql,
                  flags=re.I)  # fmt: skip


REWRITES = [
    Rewrite("Delta-only CREATE clauses", strip_delta_clauses.__doc__ or "", strip_delta_clauses),
    Rewrite("QUALIFY -> window subquery", qualify_to_subquery.__doc__ or "", qualify_to_subquery),
    Rewrite("date_part('dayofweek') -> dayofweek()", dayofweek_part.__doc__ or "", dayofweek_part),
    Rewrite(
        "INSERT BY NAME REPLACE WHERE",
        drop_by_name_on_replace_where.__doc__ or "",
        drop_by_name_on_replace_where,
    ),
]


def not_sent_reason(sql: str) -> NotSent | None:
    text = strip_leading_comments(sql).rstrip().rstrip(";").strip()
    return next((n for n in NOT_SENT if n.pattern.search(text)), None)


def rewrite_for_sail(sql: str) -> tuple[str | None, list[str]]:
    """(the statement to send to Sail or None if it is not sent, names of rewrites applied)."""
    text = strip_leading_comments(sql).rstrip().rstrip(";").strip()
    if not_sent_reason(text):
        return None, []
    applied = []
    for rewrite in REWRITES:
        new = rewrite.apply(text)
        if new != text:
            applied.append(rewrite.name)
            text = new
    return text, applied
