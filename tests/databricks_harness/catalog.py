"""In-memory Unity Catalog: schemas, tables, views and their metadata.

It applies the DDL that dbt sends (CREATE/ALTER/DROP/COMMENT/USE) so that later introspection
queries -- and a second dbt invocation -- see what earlier statements created. Column types of
CREATE ... AS SELECT come from the QueryEngine; unknown types are approximated as string.
Temporary views live in the Session (a connection), as on Databricks.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .sql_text import (
    IDENT,
    MASK_CLAUSE,
    QNAME,
    find_top_level,
    paren_body,
    parse_column_definitions,
    parse_properties,
    qualified_name,
    split_qname,
    split_top_level,
    strip_leading_comments,
    unquote,
    unquote_string,
)

DEFAULT_OWNER = "ci-service-principal@lakehouse-bi.example"


@dataclass
class Column:
    name: str
    data_type: str = "string"
    nullable: bool = True
    comment: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    mask: str | None = None  # catalog.schema.function of the column mask
    mask_using: str | None = None


@dataclass
class CatalogObject:
    catalog: str
    schema: str
    name: str
    kind: str  # "table" | "view" | "metric_view" | "materialized_view" | "streaming_table"
    columns: list[Column] = field(default_factory=list)
    provider: str = "delta"
    owner: str = DEFAULT_OWNER
    comment: str | None = None
    tblproperties: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    partition_by: list[str] = field(default_factory=list)
    view_text: str | None = None
    temporary: bool = False
    location: str | None = None
    row_filter: tuple[str, tuple[str, ...]] | None = None  # (function, columns)
    grants: set[tuple[str, str]] = field(default_factory=set)  # (principal, PRIVILEGE)
    # Informational key constraints: name -> (PRIMARY KEY | FOREIGN KEY, columns). A CHECK is
    # kept as Delta keeps it, the table property `delta.constraints.<name>`.
    constraints: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def table_type(self) -> str:
        """information_schema.tables.table_type."""
        return {
            "view": "VIEW",
            # dbt-databricks' relations/replace.sql: "UC lists metric views as METRIC_VIEW".
            "metric_view": "METRIC_VIEW",
            "materialized_view": "MATERIALIZED_VIEW",
            "streaming_table": "STREAMING_TABLE",
        }.get(self.kind, "EXTERNAL" if self.location else "MANAGED")

    @property
    def is_view(self) -> bool:
        """A plain or a metric view: view text, no storage, no provider."""
        return self.kind in ("view", "metric_view")

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


Key = tuple[str, str, str]

_KINDS = r"(?P<kind>table|view|materialized\s+view|streaming\s+table)"
_CREATE = re.compile(
    r"create\s+(?P<replace>or\s+replace\s+)?(?P<temp>(?:global\s+)?temp(?:orary)?\s+)?"
    rf"{_KINDS}\s+(?P<ine>if\s+not\s+exists\s+)?(?P<name>{QNAME})(?P<rest>.*)\Z",
    re.IGNORECASE | re.DOTALL,
)
_CREATE_SCHEMA = re.compile(
    rf"create\s+(?:schema|database)\s+(?:if\s+not\s+exists\s+)?(?P<name>{QNAME})",
    re.IGNORECASE,
)
_DROP = re.compile(
    rf"drop\s+(?P<kind>table|view|materialized\s+view|streaming\s+table|schema|database)\s+"
    rf"(?:if\s+exists\s+)?(?P<name>{QNAME})",
    re.IGNORECASE,
)
_ALTER = re.compile(
    rf"alter\s+{_KINDS}\s+(?P<name>{QNAME})\s+(?P<action>.*)\Z",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT_ON = re.compile(
    rf"comment\s+on\s+(?P<what>table|view|column)\s+(?P<name>{QNAME})\s+is\s+(?P<text>.*)\Z",
    re.IGNORECASE | re.DOTALL,
)
_GRANT = re.compile(
    r"(?P<verb>grant|revoke)\s+(?P<privileges>.+?)\s+on\s+(?:(?P<what>table|view|schema|catalog|"
    rf"function|volume)\s+)?(?P<name>{QNAME})\s+(?:to|from)\s+(?P<principal>.+)\Z",
    re.IGNORECASE | re.DOTALL,
)
_FUNCTION = re.compile(
    r"(?P<verb>create|drop)\s+(?:or\s+replace\s+)?(?:temporary\s+)?function\s+"
    rf"(?:if\s+(?:not\s+)?exists\s+)?(?P<name>{QNAME})",
    re.IGNORECASE,
)
_USE = re.compile(rf"use\s+(?:(?P<what>catalog|schema|database)\s+)?(?P<name>{QNAME})\Z", re.I)
_STRING = r"'(?:[^'\\]|\\.)*'"
# CREATE VIEW ... WITH METRICS LANGUAGE YAML AS $$ <yaml> $$ (a Unity Catalog metric view).
_METRICS_BODY = re.compile(
    r"\A(?P<header>.*?)\bwith\s+metrics\s+language\s+yaml\s+as\s+(?P<body>\$\$.*\$\$)\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
# `AS` introducing the query of CREATE ... AS, possibly followed by comments.
_AS_QUERY = r"\bas\b(?=(?:\s|--[^\n]*\n|/\*.*?\*/)*(?:\(|select\b|with\b|from\b|values\b|table\b))"


def _kind(raw: str) -> str:
    return re.sub(r"\s+", "_", raw.lower())


def parse_column_defs(body: str) -> list[Column]:
    """Parse `a bigint not null comment 'x', b decimal(10,2), constraint ...` into Columns."""
    return [
        Column(
            name=d.name,
            data_type=d.data_type,
            nullable=not d.not_null,
            comment=d.comment,
            mask=d.mask,
            mask_using=d.mask_using,
        )
        for d in parse_column_definitions(body)
    ]


class Catalog:
    """Thread-safe in-memory catalog that follows the DDL dbt sends."""

    def __init__(
        self,
        default_catalog: str,
        default_schema: str,
        owner: str = DEFAULT_OWNER,
    ) -> None:
        self.default_catalog = default_catalog.lower()
        self.default_schema = default_schema.lower()
        self.owner = owner
        self.schemas: set[tuple[str, str]] = {
            (self.default_catalog, "default"),
            (self.default_catalog, "information_schema"),
        }
        self.objects: dict[Key, CatalogObject] = {}
        self.functions: set[Key] = set()
        self.lock = threading.RLock()
        self.version = 0  # bumped by every applied DDL; lets readers cache derived views
        # Set by the QueryEngine: SELECT text -> [(column, type)] (None if not understood).
        self.column_source: Callable[[str, Session], list[tuple[str, str]] | None] | None = None

    # -- lookups ----------------------------------------------------------------------------

    @property
    def catalogs(self) -> set[str]:
        return {c for c, _ in self.schemas}

    def key(
        self, qname: str, session_catalog: str | None = None, session_schema: str | None = None
    ) -> Key:
        parts = split_qname(qname)
        cat = (session_catalog or self.default_catalog).lower()
        sch = (session_schema or self.default_schema).lower()
        if len(parts) == 1:
            return (cat, sch, parts[0])
        if len(parts) == 2:
            return (cat, parts[0], parts[1])
        return (parts[0], parts[1], parts[2])

    def lookup(self, qname: str, session: Session | None = None) -> CatalogObject | None:
        with self.lock:
            parts = split_qname(qname)
            if len(parts) == 1 and session and parts[0] in session.temp_views:
                return session.temp_views[parts[0]]
            cat, sch = (session.catalog, session.schema) if session else (None, None)
            return self.objects.get(self.key(qname, cat, sch))

    def objects_in(self, catalog: str, schema: str) -> list[CatalogObject]:
        with self.lock:
            return sorted(
                (o for (c, s, _), o in self.objects.items() if c == catalog and s == schema),
                key=lambda o: o.name,
            )

    def infer_columns(self, select_sql: str, session: Session) -> list[Column] | None:
        if self.column_source is None:
            return None
        inferred = self.column_source(select_sql, session)
        if inferred is None:
            return None
        return [Column(name=n, data_type=t) for n, t in inferred]

    # -- DDL --------------------------------------------------------------------------------

    def apply(self, sql: str, session: Session) -> bool:
        """Apply one statement's effect on the catalog; True if it was a recognised DDL."""
        text = strip_leading_comments(sql).rstrip().rstrip(";").strip()
        with self.lock:
            for pattern, handler in (
                (_CREATE_SCHEMA, self._create_schema),
                (_CREATE, self._create),
                (_DROP, self._drop),
                (_ALTER, self._alter),
                (_COMMENT_ON, self._comment_on),
                (_GRANT, self._grant),
                (_FUNCTION, self._function),
                (_USE, self._use),
            ):
                m = pattern.match(text)
                if m:
                    handler(m, session)
                    self.version += 1
                    return True
        return False

    def _create_schema(self, m: re.Match[str], session: Session) -> None:
        parts = split_qname(m.group("name"))
        cat = parts[0] if len(parts) == 2 else session.catalog
        self.schemas.add((cat, parts[-1]))

    def _create(self, m: re.Match[str], session: Session) -> None:
        kind = _kind(m.group("kind"))
        temporary = bool(m.group("temp"))
        name = m.group("name")
        key = self.key(name, session.catalog, session.schema)
        existing = session.temp_views.get(key[2]) if temporary else self.objects.get(key)
        if existing and m.group("ine"):
            return
        obj = CatalogObject(
            catalog=key[0],
            schema=key[1],
            name=key[2],
            kind=kind,
            temporary=temporary,
            owner=self.owner,
        )
        rest = m.group("rest").strip()
        metrics = _METRICS_BODY.match(rest) if kind == "view" else None
        if metrics:
            obj.kind = "metric_view"
            obj.view_text = metrics.group("body")
            obj.columns = _metric_view_columns(obj.view_text)
            self._apply_header(obj, metrics.group("header"), session)
            if existing is not None:
                obj.grants = set(existing.grants)  # CREATE OR REPLACE keeps them (as tables)
            self.schemas.add((key[0], key[1]))
            self.objects[key] = obj
            return
        declared: list[Column] | None = None
        if rest.startswith("("):
            inner, end = paren_body(rest, 0)
            declared = parse_column_defs(inner)
            for item in split_top_level(inner):
                _add_constraint(obj, item.strip())
            rest = rest[end:]
        as_match = find_top_level(rest, _AS_QUERY, re.IGNORECASE | re.DOTALL)
        header = rest[: as_match.start()] if as_match else rest
        body = rest[as_match.end() :].strip() if as_match else None
        self._apply_header(obj, header, session)
        inferred = self.infer_columns(body, session) if body else None
        if declared and kind == "view" and inferred and len(inferred) == len(declared):
            # A view's column list names (and comments) columns; their types come from the query.
            obj.columns = [
                Column(d.name, i.data_type, comment=d.comment)
                for d, i in zip(declared, inferred, strict=True)
            ]
        elif declared:
            obj.columns = declared
        elif inferred is not None:
            obj.columns = inferred
        if kind == "view":
            obj.view_text = body
        elif existing is not None:
            obj.grants = set(existing.grants)  # Unity Catalog keeps a replaced table's grants
        if temporary:
            session.temp_views[key[2]] = obj
        else:
            self.schemas.add((key[0], key[1]))
            self.objects[key] = obj

    def _apply_header(self, obj: CatalogObject, header: str, session: Session) -> None:
        clone = re.search(rf"\b(?:shallow\s+|deep\s+)?clone\s+({QNAME})", header, re.I)
        if clone:
            source = self.lookup(clone.group(1), session)
            if source:
                obj.columns = copy.deepcopy(source.columns)
                obj.tblproperties = dict(source.tblproperties)
        using = re.search(r"\busing\s+(\w+)", header, re.I)
        if using:
            obj.provider = using.group(1).lower()
        location = re.search(rf"\blocation\s+({_STRING})", header, re.I)
        if location:
            obj.location = unquote_string(location.group(1))
        comment = re.search(rf"\bcomment\s+({_STRING})", header, re.I)
        if comment:
            obj.comment = unquote_string(comment.group(1))
        for clause, target in (("tblproperties", obj.tblproperties),):
            cm = re.search(rf"\b{clause}\s*\(", header, re.I)
            if cm:
                target.update(parse_properties(paren_body(header, cm.end() - 1)[0]))
        row_filter = re.search(
            rf"\bwith\s+row\s+filter\s+({QNAME})\s+on\s*\(([^)]*)\)", header, re.I
        )
        if row_filter:
            obj.row_filter = _row_filter(row_filter.group(1), row_filter.group(2))
        part = re.search(r"\bpartitioned\s+by\s*\(", header, re.I)
        if part:
            cols = paren_body(header, part.end() - 1)[0]
            obj.partition_by = [split_qname(c.split()[0])[-1] for c in split_top_level(cols)]
        cluster = re.search(r"\bcluster\s+by\s*(\(|auto\b)", header, re.I)
        if cluster and cluster.group(1).lower() == "auto":
            obj.tblproperties["clusterByAuto"] = "true"
        elif cluster:
            cols = [unquote(c) for c in split_top_level(paren_body(header, cluster.end() - 1)[0])]
            obj.tblproperties["clusteringColumns"] = str([[c] for c in cols]).replace("'", '"')

    def _drop(self, m: re.Match[str], session: Session) -> None:
        kind = m.group("kind").lower()
        if kind in ("schema", "database"):
            parts = split_qname(m.group("name"))
            cat = parts[0] if len(parts) == 2 else session.catalog
            self.schemas.discard((cat, parts[-1]))
            for key in [k for k in self.objects if k[:2] == (cat, parts[-1])]:
                del self.objects[key]
            return
        parts = split_qname(m.group("name"))
        if len(parts) == 1 and parts[0] in session.temp_views:
            del session.temp_views[parts[0]]
            return
        self.objects.pop(self.key(m.group("name"), session.catalog, session.schema), None)

    def _alter(self, m: re.Match[str], session: Session) -> None:
        obj = self.lookup(m.group("name"), session)
        if obj is None:
            return
        action = m.group("action").strip()
        lowered = action.lower()
        if rename := re.match(rf"rename\s+to\s+({QNAME})", action, re.I):
            new_key = self.key(rename.group(1), obj.catalog, obj.schema)
            self.objects.pop((obj.catalog, obj.schema, obj.name), None)
            obj.catalog, obj.schema, obj.name = new_key
            self.objects[new_key] = obj
        elif add := re.match(r"add\s+columns?\s*", action, re.I):
            rest = action[add.end() :]
            defs = paren_body(rest, 0)[0] if rest.startswith("(") else rest
            obj.columns.extend(parse_column_defs(defs))
        elif drop := re.match(r"drop\s+columns?\s*", action, re.I):
            rest = action[drop.end() :]
            names = paren_body(rest, 0)[0] if rest.startswith("(") else rest
            gone = {unquote(n).lower() for n in split_top_level(names)}
            obj.columns = [c for c in obj.columns if c.name.lower() not in gone]
        elif prop := re.match(
            r"(set|unset)\s+(tblproperties|tags)\s*(?:if\s+exists\s*)?\(", action, re.I
        ):
            body = paren_body(action, prop.end() - 1)[0]
            target = obj.tblproperties if prop.group(2).lower() == "tblproperties" else obj.tags
            if prop.group(1).lower() == "set":
                target.update(parse_properties(body))
            else:
                for k in parse_properties(body):
                    target.pop(k, None)
        elif col := re.match(
            rf"(?:alter|change)\s+(?:column\s+)?({IDENT})\s+(.*)\Z", action, re.I | re.S
        ):
            self._alter_column(obj, unquote(col.group(1)), col.group(2).strip())
        elif rf := re.match(rf"set\s+row\s+filter\s+({QNAME})\s+on\s*\(([^)]*)\)", action, re.I):
            obj.row_filter = _row_filter(rf.group(1), rf.group(2))
        elif re.match(r"drop\s+row\s+filter\b", action, re.I):
            obj.row_filter = None
        elif owner := re.match(r"(?:set\s+)?owner\s+to\s+(.*)\Z", action, re.I | re.S):
            obj.owner = unquote(unquote_string(owner.group(1).strip()))
        elif lowered.startswith("add constraint"):
            _add_constraint(obj, action[len("add ") :].strip())
        elif drop_constraint := re.match(
            r"drop\s+constraint\s+(?:if\s+exists\s+)?(`(?:[^`]|``)+`|\w+)", action, re.I
        ):
            name = unquote(drop_constraint.group(1)).lower()
            obj.constraints.pop(name, None)
            obj.tblproperties.pop(f"delta.constraints.{name}", None)
        elif lowered.startswith("cluster by"):
            self._apply_header(obj, action, session)
        elif as_match := re.match(r"as\s+", action, re.I):
            obj.view_text = action[as_match.end() :]
            if obj.kind == "metric_view":  # ALTER VIEW ... AS $$ <yaml> $$
                obj.columns = _metric_view_columns(obj.view_text)
            else:
                obj.columns = self.infer_columns(obj.view_text, session) or obj.columns

    def _alter_column(self, obj: CatalogObject, name: str, action: str) -> None:
        col = obj.column(name)
        if col is None:
            return
        if re.match(r"set\s+not\s+null", action, re.I):
            col.nullable = False
        elif re.match(r"drop\s+not\s+null", action, re.I):
            col.nullable = True
        elif c := re.match(rf"comment\s+({_STRING})", action, re.I):
            col.comment = unquote_string(c.group(1))
        elif t := re.match(r"(set|unset)\s+tags\s*\(", action, re.I):
            body = paren_body(action, t.end() - 1)[0]
            if t.group(1).lower() == "set":
                col.tags.update(parse_properties(body))
            else:
                for k in parse_properties(body):
                    col.tags.pop(k, None)
        elif t := re.match(r"type\s+(.*)\Z", action, re.I | re.S):
            col.data_type = t.group(1).strip().lower()
        elif mask := re.match(rf"set\s+{MASK_CLAUSE.pattern}", action, re.I):
            col.mask = qualified_name(mask.group("fn"))
            col.mask_using = mask.group("using")
        elif re.match(r"drop\s+mask\b", action, re.I):
            col.mask = col.mask_using = None

    def _comment_on(self, m: re.Match[str], session: Session) -> None:
        text = m.group("text").strip()
        comment = None if text.lower() == "null" else unquote_string(text)
        if m.group("what").lower() == "column":
            parts = split_qname(m.group("name"))
            obj = self.lookup(".".join(f"`{p}`" for p in parts[:-1]), session)
            col = obj.column(parts[-1]) if obj else None
            if col:
                col.comment = comment
        elif obj := self.lookup(m.group("name"), session):
            obj.comment = comment

    def _grant(self, m: re.Match[str], session: Session) -> None:
        obj = self.lookup(m.group("name"), session)
        what = (m.group("what") or "table").lower()
        if obj is None or what not in ("table", "view"):
            return  # schema/catalog/function grants are accepted but not tracked
        principal = unquote(m.group("principal").strip())
        privileges = {p.strip().upper() for p in m.group("privileges").split(",")}
        entries = {(principal, p) for p in privileges}
        if m.group("verb").lower() == "grant":
            obj.grants |= entries
        else:
            obj.grants -= entries

    def _function(self, m: re.Match[str], session: Session) -> None:
        key = self.key(m.group("name"), session.catalog, session.schema)
        if m.group("verb").lower() == "create":
            self.functions.add(key)
        else:
            self.functions.discard(key)

    def _use(self, m: re.Match[str], session: Session) -> None:
        what = (m.group("what") or "schema").lower()
        parts = split_qname(m.group("name"))
        if what == "catalog":
            session.catalog = parts[0]
        else:
            if len(parts) == 2:
                session.catalog = parts[0]
            session.schema = parts[-1]


def _metric_view_columns(view_text: str) -> list[Column]:
    """A metric view's columns: its dimensions, then its measures (types are not derived:
    `string` stands in, as for any type the fake cannot infer)."""
    import yaml

    try:
        definition = yaml.safe_load(view_text.strip().removeprefix("$$").removesuffix("$$"))
    except yaml.YAMLError:
        return []
    if not isinstance(definition, dict):
        return []
    return [
        Column(name=str(item["name"]), comment=item.get("comment"))
        for section in ("dimensions", "measures")
        for item in definition.get(section) or []
        if isinstance(item, dict) and "name" in item
    ]


def _row_filter(function: str, columns: str) -> tuple[str, tuple[str, ...]]:
    return qualified_name(function), tuple(unquote(c) for c in split_top_level(columns))


@dataclass
class Session:
    """Per-connection state: current catalog and schema (USE ...), SET values, temp views."""

    catalog: str
    schema: str
    conf: dict[str, str] = field(default_factory=dict)  # SET key = value
    temp_views: dict[str, CatalogObject] = field(default_factory=dict)


_CONSTRAINT = re.compile(
    # dbt-databricks names unnamed keys by a hash, which may start with a digit.
    r"constraint\s+(?P<name>`(?:[^`]|``)+`|\w+)\s+(?P<kind>primary\s+key|foreign\s+key|check)\s*\(",
    re.IGNORECASE,
)


def _add_constraint(obj: CatalogObject, clause: str) -> None:
    """Record `CONSTRAINT <name> PRIMARY KEY (...) | FOREIGN KEY (...) | CHECK (...)` (a
    table element of CREATE TABLE or the body of ALTER TABLE ... ADD); anything else is ignored."""
    m = _CONSTRAINT.match(clause)
    if not m:
        return
    name = unquote(m.group("name")).lower()
    body = paren_body(clause, m.end() - 1)[0]
    kind = re.sub(r"\s+", " ", m.group("kind").upper())
    if kind == "CHECK":
        obj.tblproperties[f"delta.constraints.{name}"] = body.strip()
    else:
        obj.constraints[name] = (kind, tuple(unquote(c) for c in split_top_level(body)))
