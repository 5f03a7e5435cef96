"""Logging for the glue: readable lines for people by default, JSON lines for machines.

`--log-format json` on the CLI (or env LAKEHOUSE_BI_LOG_FORMAT=json) switches every log record
to one JSON object a line: timestamp (UTC, ISO 8601), level, logger, message, context.
Structured fields travel in `context`: `logger.info("...", extra=log_context(rows=3))`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

LOG_FORMAT_ENV = "LAKEHOUSE_BI_LOG_FORMAT"
LOG_FORMATS = ("text", "json")


def log_context(**fields: Any) -> dict[str, dict[str, Any]]:
    """The `extra` argument that attaches structured fields to one log record."""
    return {"context": fields}


def _record_context(record: logging.LogRecord) -> dict[str, Any]:
    context = getattr(record, "context", None)
    return context if isinstance(context, dict) else {}


def _utc_timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, tz=dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds")


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record; values JSON cannot encode are written as strings."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": _utc_timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "context": _record_context(record),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class ReadableFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger>: <message> (key=value, ...)` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        context = _record_context(record)
        if context:
            fields = ", ".join(f"{key}={_readable(value)}" for key, value in context.items())
            line = f"{line} ({fields})"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def _readable(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    return str(value)


def configure_logging(
    log_format: str = "text", verbose: bool = False, stream: TextIO | None = None
) -> None:
    """Route the root logger to `stream` (stderr) in the chosen format; replaces old handlers."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {LOG_FORMATS}, got {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter() if log_format == "json" else ReadableFormatter())
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True
    )


@contextmanager
def timed(logger: logging.Logger, message: str, **context: Any) -> Iterator[dict[str, Any]]:
    """Log `message` with the block's duration; the block adds fields (row counts) to the
    yielded dict. A failing block is logged at ERROR with its duration, then re-raised."""
    fields = dict(context)
    started = time.perf_counter()
    try:
        yield fields
    except Exception as error:
        fields.update(duration_seconds=round(time.perf_counter() - started, 3), error=str(error))
        logger.error(f"{message} failed", extra=log_context(**fields))
        raise
    fields["duration_seconds"] = round(time.perf_counter() - started, 3)
    logger.info(message, extra=log_context(**fields))
