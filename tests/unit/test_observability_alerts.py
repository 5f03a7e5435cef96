"""`lakehouse-bi alert`: off without a webhook; one `edr monitor` per configured channel."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.ops.alerts import configured_channels

WEBHOOK_VARS = ("SLACK_WEBHOOK", "SLACK_TOKEN", "SLACK_CHANNEL", "TEAMS_WEBHOOK")


@pytest.fixture
def edr_calls(monkeypatch, tmp_path):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))  # edr's config file goes there
    for name in WEBHOOK_VARS:
        monkeypatch.delenv(name, raising=False)
    calls: list[list[str]] = []
    exit_codes = [0]

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, exit_codes[0])

    monkeypatch.setattr("lakehouse_bi.ops.alerts.subprocess.run", fake_run)
    return calls, exit_codes


def test_channels_from_environment():
    assert configured_channels({}) == []
    assert configured_channels({"SLACK_TOKEN": "xoxb"}) == []  # a token needs a channel
    slack, teams = configured_channels(
        {"SLACK_WEBHOOK": "https://hooks.slack/x", "TEAMS_WEBHOOK": "https://teams/y"}
    )
    assert slack.arguments == ("--slack-webhook", "https://hooks.slack/x")
    assert teams.arguments == ("--teams-webhook", "https://teams/y")
    (app,) = configured_channels({"SLACK_TOKEN": "xoxb", "SLACK_CHANNEL": "data-alerts"})
    assert app.arguments == ("--slack-token", "xoxb", "--slack-channel-name", "data-alerts")


def test_off_by_default(edr_calls):
    calls, _ = edr_calls
    result = CliRunner().invoke(main, ["alert"])
    assert result.exit_code == 0
    assert calls == []
    assert "alerting is off" in result.stderr


def test_runs_edr_monitor_per_channel_without_logging_secrets(edr_calls, monkeypatch):
    calls, _ = edr_calls
    monkeypatch.setenv("SLACK_WEBHOOK", "https://hooks.slack.com/services/SECRET")
    monkeypatch.setenv("TEAMS_WEBHOOK", "https://example.webhook.office.com/SECRET")
    result = CliRunner().invoke(main, ["alert", "--days-back", "2", "--env-name", "prod"])
    assert result.exit_code == 0, result.output
    slack, teams = calls
    assert slack[1] == "monitor"
    assert slack[slack.index("--slack-webhook") + 1].endswith("/SECRET")
    assert teams[teams.index("--teams-webhook") + 1].endswith("/SECRET")
    assert slack[slack.index("--days-back") + 1] == "2"
    assert slack[-2:] == ["--env", "prod"]
    assert "SECRET" not in result.stderr


def test_failed_monitor_fails_the_command(edr_calls, monkeypatch):
    _, exit_codes = edr_calls
    exit_codes[0] = 3
    monkeypatch.setenv("TEAMS_WEBHOOK", "https://example.webhook.office.com/x")
    result = CliRunner().invoke(main, ["alert"])
    assert result.exit_code == 1
    assert "edr monitor` for teams webhook failed (exit 3)" in result.stderr
