"""Column types as sqlglot data types: parsed from either engine's spelling, rendered for each."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ParseError

from lakehouse_bi.errors import ConfigError

Type = exp.DataType.Type
ENGINES = ("duckdb", "databricks")

# Integer types, narrowest first, and the decimal digits each needs.
INTEGERS = {Type.TINYINT: 3, Type.SMALLINT: 5, Type.INT: 10, Type.BIGINT: 19, Type.INT128: 39}
TEXT = {Type.TEXT, Type.VARCHAR, Type.CHAR, Type.NVARCHAR, Type.NCHAR}
COMPLEX = {Type.STRUCT, Type.ARRAY, Type.MAP, Type.LIST}


def parse_type(text: str, dialect: str, where: str) -> exp.DataType:
    """A type as written in `dialect` (DuckDB's '"NULL"' of an all-null column included)."""
    cleaned = text.strip().strip('"')
    if cleaned.lower() in ("null", "void"):
        return exp.DataType.build("NULL")
    try:
        return exp.DataType.build(cleaned, dialect=dialect)
    except (ParseError, ValueError) as error:
        raise ConfigError(
            f"{where}: cannot read type {text!r} as a {dialect} type ({error}).",
            hint="Use the engine's type names (bigint, decimal(18,2), string, timestamp, ...) "
            "or pass --dialect for the other engine.",
        ) from error


def render_type(data_type: exp.DataType, engine: str) -> str:
    """The type in `engine`'s DDL spelling (DuckDB VARCHAR / TIMESTAMP, Databricks STRING /
    TIMESTAMP_NTZ, ...)."""
    if engine == "duckdb":
        return "VARCHAR" if data_type.this in TEXT else data_type.sql(dialect="duckdb")
    return data_type.sql(dialect="databricks")


def decimal_digits(data_type: exp.DataType) -> tuple[int, int]:
    """(precision, scale) of a DECIMAL; dialect defaults when unspecified."""
    params = [int(p.this.this) for p in data_type.expressions]
    precision = params[0] if params else 18
    scale = params[1] if len(params) > 1 else 0
    return precision, scale


def same_type(left: exp.DataType, right: exp.DataType) -> bool:
    return left.sql(dialect="databricks") == right.sql(dialect="databricks")
