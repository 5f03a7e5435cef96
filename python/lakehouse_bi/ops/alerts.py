"""`lakehouse-bi alert`: Elementary's `edr monitor` to Slack / Microsoft Teams, only for the
channels whose webhook (or token) is in the environment -- off by default."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

import click

from lakehouse_bi.errors import PipelineError
from lakehouse_bi.http.resilient import ResilientEndpoint
from lakehouse_bi.logging_setup import log_context, timed
from lakehouse_bi.pipeline.dbt_commands import venv_tool, write_edr_config
from lakehouse_bi.pipeline.project import ProjectPaths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertChannel:
    name: str
    arguments: tuple[str, ...]  # edr monitor options; values are secrets, never logged


def configured_channels(env: Mapping[str, str]) -> list[AlertChannel]:
    """Slack by webhook (SLACK_WEBHOOK) or bot token (SLACK_TOKEN + SLACK_CHANNEL), Teams by
    webhook (TEAMS_WEBHOOK); each configured one is alerted by its own `edr monitor` run."""
    channels = []
    if env.get("SLACK_WEBHOOK"):
        channels.append(AlertChannel("slack webhook", ("--slack-webhook", env["SLACK_WEBHOOK"])))
    elif env.get("SLACK_TOKEN") and env.get("SLACK_CHANNEL"):
        channels.append(
            AlertChannel(
                "slack app",
                ("--slack-token", env["SLACK_TOKEN"], "--slack-channel-name", env["SLACK_CHANNEL"]),
            )
        )
    if env.get("TEAMS_WEBHOOK"):
        channels.append(AlertChannel("teams webhook", ("--teams-webhook", env["TEAMS_WEBHOOK"])))
    return channels


# Incoming webhooks that take a plain-text message as {"text": ...}: Slack's incoming
# webhooks and Teams' Office 365 connector webhooks.
WEBHOOKS = (("slack webhook", "SLACK_WEBHOOK"), ("teams webhook", "TEAMS_WEBHOOK"))


def notify_webhooks(
    message: str,
    env: Mapping[str, str] | None = None,
    endpoint: type[ResilientEndpoint] = ResilientEndpoint,
) -> dict[str, bool]:
    """Post `message` to every webhook set in the environment (SLACK_WEBHOOK,
    TEAMS_WEBHOOK), with retries and a circuit breaker (lakehouse_bi.http.resilient).

    Returns {channel: delivered}; an unreachable webhook is a logged warning, never an
    error: a notification must not fail the operation it reports on. No webhook set -> {}.
    """
    env = os.environ if env is None else env
    delivered = {}
    for name, variable in WEBHOOKS:
        if env.get(variable):
            delivered[name] = endpoint(name).deliver(env[variable], {"text": message})
    return delivered


def monitor_command(
    paths: ProjectPaths, channel: AlertChannel, days_back: int, env_name: str | None
) -> list[str]:
    command = [
        venv_tool("edr"),
        "monitor",
        "--config-dir",
        str(write_edr_config(paths)),
        "--profiles-dir",
        str(paths.profiles_dir),
        "--project-dir",
        str(paths.root),
        "--days-back",
        str(days_back),
        "--target-path",
        str(paths.target / "edr"),
        *channel.arguments,
    ]
    if env_name:
        command += ["--env", env_name]
    return command


@click.command("alert")
@click.option(
    "--days-back",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Alert on failures and anomalies of the last N days.",
)
@click.option(
    "--env-name",
    envvar="LAKEHOUSE_BI_ENV",
    default=None,
    help="Environment name shown in the alerts (edr --env), e.g. prod.",
)
def alert(days_back: int, env_name: str | None) -> None:
    """Send Elementary alerts (failed tests, anomalies, model errors, stale sources).

    Off unless SLACK_WEBHOOK, SLACK_TOKEN + SLACK_CHANNEL or TEAMS_WEBHOOK is set.
    """
    channels = configured_channels(os.environ)
    if not channels:
        logger.info(
            "alerting is off: set SLACK_WEBHOOK, SLACK_TOKEN and SLACK_CHANNEL, or "
            "TEAMS_WEBHOOK to send Elementary alerts",
            extra=log_context(channels=0),
        )
        return
    paths = ProjectPaths.find()
    for channel in channels:
        with timed(logger, "edr monitor", channel=channel.name, days_back=days_back):
            command = monitor_command(paths, channel, days_back, env_name)
            completed = subprocess.run(
                command, cwd=paths.root, env=paths.environment(), check=False
            )
            if completed.returncode != 0:
                raise PipelineError(
                    f"`edr monitor` for {channel.name} failed (exit {completed.returncode}).",
                    "Read edr's log above; check the webhook/token and that `dbt build` "
                    "ran (alerts come from the elementary schema).",
                )
