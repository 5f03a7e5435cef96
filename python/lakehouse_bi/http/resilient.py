"""POST JSON to an endpoint no client library protects: retries with exponential backoff and
jitter on transient failures only (tenacity), and a circuit breaker per endpoint (pybreaker)
so a dead endpoint is skipped quickly instead of stalling every run.

Transient = connection refused/reset, timeout, HTTP 408/425/429/500/502/503/504. Any other
4xx is the caller's mistake (bad URL, revoked webhook) and fails at once. `Retry-After` on
429/503 is honoured up to the policy's longest wait.

Example (an OpenLineage client posting run events):

    endpoint = ResilientEndpoint("openlineage")          # policy from LAKEHOUSE_BI_HTTP_*
    endpoint.deliver(f"{base}/api/v1/lineage", event, {"Authorization": f"Bearer {key}"})

Use `post_json` where a failure must stop the caller (it raises ExternalServiceError), and
`deliver` where the endpoint is optional (notifications, lineage events): it logs one clear
warning and returns False, so the pipeline run still succeeds.

URLs of webhooks are secrets: only scheme and host are ever logged or put in messages.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pybreaker
import requests
import tenacity

from lakehouse_bi.errors import ConfigError, ExternalServiceError

logger = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_ENV_PREFIX = "LAKEHOUSE_BI_HTTP_"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one call: `attempts` in all (first call included), waits growing
    from `initial_wait` seconds doubling up to `max_wait` plus up to `jitter` seconds of
    random jitter; each attempt may take `timeout` seconds (connect and read).

    `failure_threshold` failed calls in a row open the endpoint's circuit for
    `reset_timeout` seconds: calls fail fast without touching the network, then one trial
    call decides whether it closes again.
    """

    attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    timeout: float = 10.0
    failure_threshold: int = 5
    reset_timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        """Defaults overridden by LAKEHOUSE_BI_HTTP_ATTEMPTS, _INITIAL_WAIT, _MAX_WAIT,
        _JITTER, _TIMEOUT, _FAILURE_THRESHOLD, _RESET_TIMEOUT (documented in .env.example)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field_name, kind in (
            ("attempts", int),
            ("initial_wait", float),
            ("max_wait", float),
            ("jitter", float),
            ("timeout", float),
            ("failure_threshold", int),
            ("reset_timeout", float),
        ):
            name = _ENV_PREFIX + field_name.upper()
            if env.get(name):
                try:
                    values[field_name] = kind(env[name])
                except ValueError:
                    raise ConfigError(
                        f"{name}={env[name]!r} is not a number.",
                        f"Set {name} to a {kind.__name__} or unset it for the default.",
                    ) from None
                if values[field_name] <= 0:
                    raise ConfigError(f"{name} must be positive.", f"Unset {name} or raise it.")
        return cls(**values)


class TransientHTTPError(Exception):
    """A retryable HTTP answer; carries the status and the server's Retry-After."""

    def __init__(self, status: int, where: str, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status} from {where}")
        self.status = status
        self.retry_after = retry_after


def redact(url: str) -> str:
    """scheme://host[:port] of a URL: the part that is safe to log (webhook paths are keys)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def is_transient(error: BaseException) -> bool:
    """Worth another attempt: the network failed or the server said 'try again'."""
    return isinstance(
        error, TransientHTTPError | requests.ConnectionError | requests.Timeout
    ) and not isinstance(error, requests.exceptions.InvalidURL)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: fall back to the backoff


class _BackoffOrRetryAfter(tenacity.wait.wait_base):
    """Exponential backoff with jitter, or the server's Retry-After when longer (capped)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = tenacity.wait_exponential_jitter(
            multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.jitter
        )

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wait = self.backoff(retry_state)
        error = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.policy.max_wait))
        return wait


_BREAKERS: dict[str, pybreaker.CircuitBreaker] = {}


def breaker_for(name: str, policy: RetryPolicy) -> pybreaker.CircuitBreaker:
    """The process-wide circuit breaker of endpoint `name` (created on first use)."""
    if name not in _BREAKERS:
        _BREAKERS[name] = pybreaker.CircuitBreaker(
            fail_max=policy.failure_threshold,
            reset_timeout=policy.reset_timeout,
            name=name,
        )
    return _BREAKERS[name]


def reset_breakers() -> None:
    """Forget every breaker's state (a new process starts closed anyway; tests use this)."""
    _BREAKERS.clear()


class ResilientEndpoint:
    """One named HTTP endpoint (e.g. 'slack webhook', 'openlineage') with its retry policy
    and circuit breaker. `session` and `sleep` are injectable for tests."""

    def __init__(
        self,
        name: str,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = tenacity.nap.sleep,
    ) -> None:
        self.name = name
        self.policy = policy or RetryPolicy.from_env()
        self.session = session or requests.Session()
        self.sleep = sleep
        self.breaker = breaker_for(name, self.policy)

    def _attempt(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        where = redact(url)
        response = self.session.request(method, url, timeout=self.policy.timeout, **kwargs)
        if response.status_code in TRANSIENT_STATUS:
            raise TransientHTTPError(response.status_code, where, _retry_after(response))
        if response.status_code >= 400:
            raise ExternalServiceError(
                f"{self.name} at {where} answered HTTP {response.status_code} (not retried: "
                "the request itself was refused).",
                "Check the endpoint URL and its credentials; a revoked webhook answers 403/404.",
            )
        return response

    def _with_retries(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            logger.info(
                "%s: attempt %d failed (%s), retrying in %.1f s",
                self.name,
                state.attempt_number,
                _describe(error),
                state.next_action.sleep if state.next_action else 0.0,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_transient),
            stop=tenacity.stop_after_attempt(self.policy.attempts),
            wait=_BackoffOrRetryAfter(self.policy),
            sleep=self.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, **kwargs)
        except ExternalServiceError:
            raise
        except (TransientHTTPError, requests.RequestException) as error:
            raise ExternalServiceError(
                f"{self.name} at {redact(url)} failed after {self.policy.attempts} attempt(s): "
                f"{_describe(error)}.",
                "The endpoint is down or unreachable; check it, or raise "
                "LAKEHOUSE_BI_HTTP_ATTEMPTS / LAKEHOUSE_BI_HTTP_TIMEOUT.",
            ) from None

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One call through the breaker and the retries. Raises ExternalServiceError when
        the circuit is open, a 4xx refuses the request, or every attempt failed."""
        try:
            return self.breaker.call(self._with_retries, method, url, **kwargs)
        except pybreaker.CircuitBreakerError:
            raise ExternalServiceError(
                f"{self.name} is skipped: its circuit is open after "
                f"{self.policy.failure_threshold} failed calls in a row (next trial in up to "
                f"{self.policy.reset_timeout:.0f} s).",
                "Fix the endpoint; calls resume by themselves once a trial call succeeds.",
            ) from None

    def post_json(
        self, url: str, payload: Any, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """POST `payload` as JSON (extra `headers`, e.g. Authorization, are sent, never
        logged); see `request` for the errors."""
        return self.request("POST", url, json=payload, headers=dict(headers or {}))

    def deliver(self, url: str, payload: Any, headers: Mapping[str, str] | None = None) -> bool:
        """POST `payload` as JSON when the endpoint is optional: True when delivered, else a
        warning is logged (what failed, never the URL's secret path) and False returned."""
        try:
            self.post_json(url, payload, headers)
        except ExternalServiceError as error:
            logger.warning("%s not delivered (the run goes on): %s", self.name, error.message)
            return False
        return True


def _describe(error: BaseException | None) -> str:
    if isinstance(error, TransientHTTPError):
        return str(error)
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return type(error).__name__ if error else "unknown error"
