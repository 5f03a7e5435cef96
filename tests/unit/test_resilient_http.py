"""Resilient HTTP (lakehouse_bi.http.resilient) and the webhook notifier, against loopback
servers with injected faults: 5xx, 429 with Retry-After, 4xx, timeouts, connection refused,
and a dead endpoint tripping the circuit breaker."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lakehouse_bi.errors import ConfigError, ExternalServiceError
from lakehouse_bi.http.resilient import (
    ResilientEndpoint,
    RetryPolicy,
    redact,
    reset_breakers,
)
from lakehouse_bi.ops.alerts import notify_webhooks

FAST = RetryPolicy(attempts=4, initial_wait=0.01, max_wait=0.05, jitter=0.01, timeout=2.0)


@pytest.fixture(autouse=True)
def fresh_breakers():
    reset_breakers()
    yield
    reset_breakers()


class Recorder:
    """An injected `sleep` that records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _sequence(httpserver, path: str, responses: list[Response]) -> list[dict]:
    """Serve `responses` in order on POST `path`; return the received bodies as they arrive."""
    received: list[dict] = []
    remaining = list(responses)

    def handler(request):
        received.append(json.loads(request.data or b"null"))
        return remaining.pop(0) if remaining else Response("no more", status=599)

    httpserver.expect_request(path, method="POST").respond_with_handler(handler)
    return received


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed when the block ends: connection refused


def test_transient_5xx_is_retried_with_growing_jittered_waits(httpserver):
    received = _sequence(
        httpserver,
        "/hook",
        [Response("busy", status=503), Response("oops", status=502), Response("ok", status=200)],
    )
    sleep = Recorder()
    endpoint = ResilientEndpoint("test hook", FAST, sleep=sleep)

    response = endpoint.post_json(
        httpserver.url_for("/hook"), {"text": "hello"}, {"Authorization": "Bearer k"}
    )

    assert response.status_code == 200
    assert all(r.headers["Authorization"] == "Bearer k" for r, _ in httpserver.log)
    assert received == [{"text": "hello"}] * 3
    assert len(sleep.waits) == 2
    # exponential: 0.01 then 0.02, each plus up to 0.01 of jitter
    assert 0.01 <= sleep.waits[0] <= 0.02
    assert 0.02 <= sleep.waits[1] <= 0.03


def test_client_errors_are_not_retried(httpserver):
    received = _sequence(httpserver, "/hook", [Response("gone", status=404)])
    sleep = Recorder()
    with pytest.raises(ExternalServiceError, match=r"HTTP 404 .*not retried"):
        ResilientEndpoint("test hook", FAST, sleep=sleep).post_json(
            httpserver.url_for("/hook"), {"text": "x"}
        )
    assert len(received) == 1
    assert sleep.waits == []


def test_retry_after_is_honoured_up_to_the_longest_wait(httpserver):
    _sequence(
        httpserver,
        "/hook",
        [Response("slow down", status=429, headers={"Retry-After": "30"}), Response("ok")],
    )
    sleep = Recorder()
    policy = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.2, jitter=0.0)
    ResilientEndpoint("test hook", policy, sleep=sleep).post_json(httpserver.url_for("/hook"), {})
    assert sleep.waits == [0.2]  # 30 s asked, capped at max_wait


def test_every_attempt_failing_gives_up_after_the_policy(httpserver):
    received = _sequence(httpserver, "/hook", [Response("down", status=500)] * 10)
    with pytest.raises(ExternalServiceError, match="failed after 4 attempt") as error:
        ResilientEndpoint("test hook", FAST, sleep=Recorder()).post_json(
            httpserver.url_for("/hook"), {}
        )
    assert len(received) == 4
    assert "HTTP 500" in error.value.message


@pytest.fixture
def threaded_server():
    """A server answering requests in parallel: a hung request must not hold up the retry."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_a_timeout_is_transient(threaded_server):
    httpserver = threaded_server
    calls = []

    def slow(request):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.0)  # longer than the 0.2 s timeout: the client gives up on it
        return Response("ok")

    httpserver.expect_request("/slow", method="POST").respond_with_handler(slow)
    policy = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.01, jitter=0.0, timeout=0.2)
    response = ResilientEndpoint("slow hook", policy, sleep=Recorder()).post_json(
        httpserver.url_for("/slow"), {}
    )
    assert response.status_code == 200
    assert len(calls) == 2


def test_connection_refused_degrades_to_a_warning_without_the_secret_path(caplog):
    url = f"http://127.0.0.1:{_closed_port()}/services/T000/B000/secret-key"
    sleep = Recorder()
    with caplog.at_level(logging.INFO):
        delivered = ResilientEndpoint("dead hook", FAST, sleep=sleep).deliver(url, {"text": "x"})
    assert delivered is False
    assert len(sleep.waits) == FAST.attempts - 1  # refused connections were retried
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "dead hook not delivered" in warnings[0].getMessage()
    assert "connection failed" in warnings[0].getMessage()
    assert all("secret-key" not in r.getMessage() for r in caplog.records)


def test_the_circuit_opens_after_repeated_failures_and_skips_the_network(httpserver):
    received = _sequence(httpserver, "/hook", [Response("down", status=503)] * 100)
    policy = RetryPolicy(
        attempts=2, initial_wait=0.01, max_wait=0.01, jitter=0.0, failure_threshold=3
    )
    endpoint = ResilientEndpoint("flaky hook", policy, sleep=Recorder())
    url = httpserver.url_for("/hook")
    results = [endpoint.deliver(url, {"n": n}) for n in range(5)]
    assert results == [False] * 5
    # 3 calls of 2 attempts reached the server; the circuit then opened: calls 4 and 5 did not.
    assert len(received) == 6
    with pytest.raises(ExternalServiceError, match="circuit is open"):
        endpoint.post_json(url, {})
    # The breaker is per endpoint name: another endpoint still calls out.
    other = ResilientEndpoint("other hook", policy, sleep=Recorder())
    assert other.deliver(url, {}) is False
    assert len(received) == 8


def test_the_circuit_closes_again_after_a_successful_trial(httpserver):
    responses = [Response("down", status=503)] * 2 + [Response("ok")] * 5
    received = _sequence(httpserver, "/hook", responses)
    policy = RetryPolicy(
        attempts=1, initial_wait=0.01, max_wait=0.01, failure_threshold=2, reset_timeout=0.05
    )
    endpoint = ResilientEndpoint("recovering hook", policy, sleep=Recorder())
    url = httpserver.url_for("/hook")
    assert [endpoint.deliver(url, {}) for _ in range(3)] == [False, False, False]
    assert len(received) == 2  # the third call was short-circuited
    time.sleep(0.1)  # past reset_timeout: the next call is a trial
    assert endpoint.deliver(url, {}) is True
    assert endpoint.deliver(url, {}) is True
    assert len(received) == 4


def test_policy_from_the_environment():
    policy = RetryPolicy.from_env(
        {"LAKEHOUSE_BI_HTTP_ATTEMPTS": "7", "LAKEHOUSE_BI_HTTP_TIMEOUT": "2.5"}
    )
    assert (policy.attempts, policy.timeout, policy.max_wait) == (7, 2.5, RetryPolicy().max_wait)
    with pytest.raises(ConfigError, match="LAKEHOUSE_BI_HTTP_ATTEMPTS='many'"):
        RetryPolicy.from_env({"LAKEHOUSE_BI_HTTP_ATTEMPTS": "many"})
    with pytest.raises(ConfigError, match="must be positive"):
        RetryPolicy.from_env({"LAKEHOUSE_BI_HTTP_TIMEOUT": "0"})


def test_redact_keeps_scheme_and_host_only():
    url = "https://user:pw@hooks.slack.com/services/T/B/key?x=1"  # pragma: allowlist secret
    assert redact(url) == "https://hooks.slack.com"


def test_webhook_notification_survives_a_dead_channel(httpserver, caplog, monkeypatch):
    received = _sequence(httpserver, "/slack", [Response("ok")])
    monkeypatch.setenv("LAKEHOUSE_BI_HTTP_ATTEMPTS", "2")
    monkeypatch.setenv("LAKEHOUSE_BI_HTTP_INITIAL_WAIT", "0.01")
    monkeypatch.setenv("LAKEHOUSE_BI_HTTP_MAX_WAIT", "0.01")
    env = {
        "SLACK_WEBHOOK": httpserver.url_for("/slack"),
        "TEAMS_WEBHOOK": f"http://127.0.0.1:{_closed_port()}/webhookb2/secret",
    }
    with caplog.at_level(logging.WARNING):
        delivered = notify_webhooks("table restored", env)
    assert delivered == {"slack webhook": True, "teams webhook": False}
    assert received == [{"text": "table restored"}]
    assert "teams webhook not delivered" in caplog.text
    assert notify_webhooks("nothing configured", {}) == {}
