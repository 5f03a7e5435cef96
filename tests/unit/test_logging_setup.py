"""Log lines: readable by default, one JSON object a line when asked; durations and counts."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.logging_setup import configure_logging, log_context, timed


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line]


def test_json_lines_carry_the_fields():
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    logging.getLogger("lakehouse_bi.example").info("loaded", extra=log_context(rows=3, table="t"))
    logging.getLogger("other").warning("plain")

    first, second = (json.loads(line) for line in _lines(stream))
    assert set(first) == {"timestamp", "level", "logger", "message", "context"}
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "lakehouse_bi.example",
        "loaded",
    )
    assert first["context"] == {"rows": 3, "table": "t"}
    stamp = dt.datetime.fromisoformat(first["timestamp"])
    assert stamp.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.timezone.utc) - stamp) < dt.timedelta(minutes=1)
    assert (second["level"], second["context"]) == ("WARNING", {})


def test_json_lines_survive_values_json_cannot_encode():
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    logging.getLogger("x").info("path", extra=log_context(when=dt.date(2025, 1, 2)))
    assert json.loads(_lines(stream)[0])["context"] == {"when": "2025-01-02"}


def test_readable_lines_by_default():
    stream = io.StringIO()
    configure_logging(stream=stream)
    logging.getLogger("lakehouse_bi.demo").info("step", extra=log_context(rows=12, seconds=1.5))
    (line,) = _lines(stream)
    assert " INFO lakehouse_bi.demo: step (rows=12, seconds=1.500)" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="log format"):
        configure_logging("xml")


def test_timed_logs_duration_and_added_counts():
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    logger = logging.getLogger("lakehouse_bi.test")
    with timed(logger, "loaded", table="orders") as fields:
        fields["rows"] = 42
    with pytest.raises(RuntimeError), timed(logger, "exploded", table="lines"):
        raise RuntimeError("disk full")

    done, failed = (json.loads(line) for line in _lines(stream))
    assert done["message"] == "loaded"
    assert done["context"]["rows"] == 42
    assert done["context"]["table"] == "orders"
    assert done["context"]["duration_seconds"] >= 0
    assert (failed["level"], failed["message"]) == ("ERROR", "exploded failed")
    assert failed["context"]["error"] == "disk full"


@pytest.mark.parametrize("how", ["option", "env"])
def test_cli_generate_logs_json_with_rows_and_duration(tmp_path, how):
    args = ["generate", "--rows", "40", "--output", str(tmp_path / "landing"), "--quiet"]
    env = {}
    if how == "option":
        args = ["--log-format", "json", *args]
    else:
        env["LAKEHOUSE_BI_LOG_FORMAT"] = "json"
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (generated,) = [r for r in records if r["message"] == "sample data generated"]
    assert generated["logger"] == "lakehouse_bi.datagen.command"
    assert generated["context"]["rows"]["orders"] == 40
    assert generated["context"]["duration_seconds"] > 0
