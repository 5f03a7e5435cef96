"""`lakehouse-bi alert`: off without a webhook; one `edr monitor` per configured channel, its
webhook or token in a private config file, never on the command line (issue 24)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lakehouse_bi.cli import main
from lakehouse_bi.ops.alerts import configured_channels

WEBHOOK_VARS = ("SLACK_WEBHOOK", "SLACK_TOKEN", "SLACK_CHANNEL", "TEAMS_WEBHOOK")


@pytest.fixture
def edr_calls(monkeypatch, tmp_path):
    """(commands run, [exit code to return], what each run's --config-dir held meanwhile)."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    for name in WEBHOOK_VARS:
        monkeypatch.delenv(name, raising=False)
    calls: list[list[str]] = []
    exit_codes = [0]
    seen: list[dict] = []

    def fake_run(command, **kwargs):
        calls.append(command)
        folder = Path(command[command.index("--config-dir") + 1])
        config = folder / "config.yml"
        seen.append(
            {
                "folder": folder,
                "folder_mode": stat.S_IMODE(folder.stat().st_mode),
                "file_mode": stat.S_IMODE(config.stat().st_mode),
                "config": yaml.safe_load(config.read_text()),
            }
        )
        return subprocess.CompletedProcess(command, exit_codes[0])

    monkeypatch.setattr("lakehouse_bi.ops.alerts.subprocess.run", fake_run)
    return calls, exit_codes, seen


def test_channels_from_environment():
    assert configured_channels({}) == []
    assert configured_channels({"SLACK_TOKEN": "xoxb"}) == []  # a token needs a channel
    slack, teams = configured_channels(
        {"SLACK_WEBHOOK": "https://hooks.slack/x", "TEAMS_WEBHOOK": "https://teams/y"}
    )
    assert slack.settings == {"slack": {"notification_webhook": "https://hooks.slack/x"}}
    assert teams.settings == {"teams": {"teams_webhook": "https://teams/y"}}
    (app,) = configured_channels({"SLACK_TOKEN": "xoxb", "SLACK_CHANNEL": "data-alerts"})
    assert app.settings == {"slack": {"token": "xoxb", "channel_name": "data-alerts"}}
    assert "xoxb" not in repr(app)


def test_off_by_default(edr_calls):
    calls, _, _ = edr_calls
    result = CliRunner().invoke(main, ["alert"])
    assert result.exit_code == 0
    assert calls == []
    assert "alerting is off" in result.stderr


def test_secrets_reach_edr_in_a_private_config_file_not_its_arguments(edr_calls, monkeypatch):
    calls, _, seen = edr_calls
    monkeypatch.setenv("SLACK_WEBHOOK", "https://hooks.slack.com/services/SECRET")
    monkeypatch.setenv("TEAMS_WEBHOOK", "https://example.webhook.office.com/SECRET")
    result = CliRunner().invoke(main, ["alert", "--days-back", "2", "--env-name", "prod"])
    assert result.exit_code == 0, result.output
    slack, _teams = calls
    assert slack[1] == "monitor"
    assert not any("SECRET" in argument for command in calls for argument in command)
    assert not any(a.startswith(("--slack", "--teams")) for command in calls for a in command)
    assert slack[slack.index("--days-back") + 1] == "2"
    assert slack[-2:] == ["--env", "prod"]
    slack_run, teams_run = seen
    assert slack_run["config"]["slack"]["notification_webhook"].endswith("/SECRET")
    assert teams_run["config"]["teams"]["teams_webhook"].endswith("/SECRET")
    assert "teams" not in slack_run["config"]  # each run sees only its own channel
    assert slack_run["config"]["anonymous_usage_tracking"] is False
    for run in seen:
        assert (run["folder_mode"], run["file_mode"]) == (0o700, 0o600)
        assert not run["folder"].exists()  # removed once edr exited
    assert slack_run["folder"] != teams_run["folder"]
    assert "SECRET" not in result.stderr


def test_slack_app_token_and_channel_go_in_the_config(edr_calls, monkeypatch):
    calls, _, seen = edr_calls
    monkeypatch.setenv("SLACK_TOKEN", "xoxb-SECRET")
    monkeypatch.setenv("SLACK_CHANNEL", "data-alerts")
    assert CliRunner().invoke(main, ["alert"]).exit_code == 0
    assert not any("SECRET" in argument for argument in calls[0])
    assert seen[0]["config"]["slack"] == {"token": "xoxb-SECRET", "channel_name": "data-alerts"}


def test_failed_monitor_fails_the_command_and_removes_the_config(edr_calls, monkeypatch):
    _, exit_codes, seen = edr_calls
    exit_codes[0] = 3
    monkeypatch.setenv("TEAMS_WEBHOOK", "https://example.webhook.office.com/x")
    result = CliRunner().invoke(main, ["alert"])
    assert result.exit_code == 1
    assert "edr monitor` for teams webhook failed (exit 3)" in result.stderr
    assert not seen[0]["folder"].exists()
