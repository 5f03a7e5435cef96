"""Sending OpenLineage events: always to a file (one JSON event a line, the client's file
transport), and to an HTTP lineage backend when one is configured (the client's HTTP
transport, whose urllib3 Retry retries connection errors and 5xx answers with backoff)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from lakehouse_bi.errors import ConfigError, LakehouseBIError

URL_ENV = "OPENLINEAGE_URL"
ENDPOINT_ENV = "OPENLINEAGE_ENDPOINT"
API_KEY_ENV = "OPENLINEAGE_API_KEY"  # pragma: allowlist secret (a variable name)
DEFAULT_ENDPOINT = "api/v1/lineage"
# Fewer, quicker retries than the client's default (5, backoff 0.3 s): a CI step should fail
# within seconds when the backend is down, not minutes.
RETRY = {
    "total": 3,
    "connect": 3,
    "read": 3,
    "backoff_factor": 0.5,
    "status_forcelist": [429, 500, 502, 503, 504],
    "allowed_methods": ["POST"],
}


def _key_safe(url: str) -> bool:
    """https://, or http:// to a loopback address (localhost, 127.0.0.0/8, ::1)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() == "https":
        return True
    if parts.scheme.lower() != "http" or not parts.hostname:
        return False
    if parts.hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class LineageExportError(LakehouseBIError):
    """The lineage backend did not accept the events (after the transport's retries)."""


@dataclass(frozen=True)
class HttpSettings:
    url: str
    endpoint: str = DEFAULT_ENDPOINT
    api_key: str | None = None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        """An API key never crosses the network in clear: with one set, the URL must be
        https:// (plain http only to this machine's loopback, where nothing leaves the host);
        ConfigError naming OPENLINEAGE_URL otherwise, before any connection."""
        if self.api_key and not _key_safe(self.url):
            scheme = urlsplit(self.url).scheme or "no scheme"
            raise ConfigError(
                f"{URL_ENV} uses {scheme}, not https, while {API_KEY_ENV} is set: the key "
                "would cross the network in clear text.",
                f"Use the backend's https:// URL in {URL_ENV}, or unset {API_KEY_ENV} for a "
                "backend that needs no key (e.g. a local Marquez).",
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HttpSettings | None:
        """From OPENLINEAGE_URL / _ENDPOINT / _API_KEY (the client's own names); None when no
        URL is set."""
        env = os.environ if env is None else env
        url = (env.get(URL_ENV) or "").strip()
        if not url:
            return None
        return cls(
            url=url,
            endpoint=(env.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).strip(),
            api_key=(env.get(API_KEY_ENV) or "").strip() or None,
        )

    def transport(self) -> HttpTransport:
        config = {
            "url": self.url,
            "endpoint": self.endpoint,
            "timeout": self.timeout,
            "retry": RETRY,
        }
        if self.api_key:
            config["auth"] = {"type": "api_key", "apiKey": self.api_key}
        return HttpTransport(HttpConfig.from_dict(config))


def write_events(events: list[RunEvent], path: Path) -> Path:
    """Write the events to `path`, one JSON object a line (replacing the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    client = OpenLineageClient(transport=FileTransport(FileConfig(str(path), append=True)))
    for event in events:
        client.emit(event)
    return path


def send_events(events: list[RunEvent], settings: HttpSettings) -> int:
    """POST every event to the backend; the number sent. Raises LineageExportError naming
    the URL (never the key) when the backend refuses or cannot be reached."""
    client = OpenLineageClient(transport=settings.transport())
    target = f"{settings.url.rstrip('/')}/{settings.endpoint.lstrip('/')}"
    for sent, event in enumerate(events):
        try:
            client.emit(event)
        except requests.RequestException as error:
            raise LineageExportError(
                f"The lineage backend at {target} refused or did not answer event "
                f"{sent + 1} of {len(events)}: {type(error).__name__}: {error}",
                f"Check {URL_ENV} / {ENDPOINT_ENV} (and {API_KEY_ENV}); the events are in the "
                "file written before sending.",
            ) from error
    return len(events)
