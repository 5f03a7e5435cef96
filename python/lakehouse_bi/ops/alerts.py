"""`lakehouse-bi alert`: Elementary's `edr monitor` to Slack / Microsoft Teams, only for the
channels whose webhook (or token) is in the environment -- off by default.

Webhook URLs and tokens never go on edr's command line (any local user can read it in `ps`):
edr 0.25.1 has no environment variables for them, so each run gets its own config.yml
(`slack.notification_webhook`, `slack.token`, `slack.channel_name`, `teams.teams_webhook`,
read by elementary.config.Config) in a private temporary folder (0700, file 0600), deleted
when that `edr monitor` exits."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from lakehouse_bi.errors import PipelineError
from lakehouse_bi.http.resilient import ResilientEndpoint
from lakehouse_bi.logging_setup import log_context, timed
from lakehouse_bi.pipeline.dbt_commands import edr_config_text, venv_tool
from lakehouse_bi.pipeline.project import ProjectPaths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertChannel:
    name: str
    # edr config.yml sections; the values are secrets: never logged, never on a command line
    settings: dict[str, dict[str, str]] = field(repr=False)


def configured_channels(env: Mapping[str, str]) -> list[AlertChannel]:
    """Slack by webhook (SLACK_WEBHOOK) or bot token (SLACK_TOKEN + SLACK_CHANNEL), Teams by
    webhook (TEAMS_WEBHOOK); each configured one is alerted by its own `edr monitor` run."""
    channels = []
    if env.get("SLACK_WEBHOOK"):
        channels.append(
            AlertChannel("slack webhook", {"slack": {"notification_webhook": env["SLACK_WEBHOOK"]}})
        )
    elif env.get("SLACK_TOKEN") and env.get("SLACK_CHANNEL"):
        settings = {"token": env["SLACK_TOKEN"], "channel_name": env["SLACK_CHANNEL"]}
        channels.append(AlertChannel("slack app", {"slack": settings}))
    if env.get("TEAMS_WEBHOOK"):
        channels.append(
            AlertChannel("teams webhook", {"teams": {"teams_webhook": env["TEAMS_WEBHOOK"]}})
        )
    return channels


@contextmanager
def private_edr_config(channel: AlertChannel) -> Iterator[Path]:
    """A folder holding edr's config.yml with `channel`'s secrets, readable by this user
    only (folder 0700, file 0600), removed on exit -- also when edr fails."""
    with tempfile.TemporaryDirectory(prefix="lakehouse-bi-edr-") as folder:
        config_dir = Path(folder)
        config_dir.chmod(0o700)
        descriptor = os.open(config_dir / "config.yml", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as config:
            config.write(edr_config_text(channel.settings))
        yield config_dir


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
    paths: ProjectPaths, config_dir: Path, days_back: int, env_name: str | None
) -> list[str]:
    """`edr monitor` reading its channel from `config_dir` (private_edr_config): no secret
    is among the arguments."""
    command = [
        venv_tool("edr"),
        "monitor",
        "--config-dir",
        str(config_dir),
        "--profiles-dir",
        str(paths.profiles_dir),
        "--project-dir",
        str(paths.root),
        "--days-back",
        str(days_back),
        "--target-path",
        str(paths.target / "edr"),
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
        with (
            timed(logger, "edr monitor", channel=channel.name, days_back=days_back),
            private_edr_config(channel) as config_dir,
        ):
            command = monitor_command(paths, config_dir, days_back, env_name)
            completed = subprocess.run(
                command, cwd=paths.root, env=paths.environment(), check=False
            )
            if completed.returncode != 0:
                raise PipelineError(
                    f"`edr monitor` for {channel.name} failed (exit {completed.returncode}).",
                    "Read edr's log above; check the webhook/token and that `dbt build` "
                    "ran (alerts come from the elementary schema).",
                )
