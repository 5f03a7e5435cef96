"""`lakehouse-bi alert` really sends Elementary's alerts to a Slack webhook (a local fake)."""

from __future__ import annotations

import json

import pytest
from werkzeug import Request, Response


@pytest.mark.slow
def test_stale_source_alert_reaches_the_slack_webhook(observed, httpserver):
    posts: list[dict] = []

    def receive(request: Request) -> Response:
        posts.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/services/T000/B000/XXXX", method="POST").respond_with_handler(
        receive
    )
    observed.freshness_against(observed.stale_landing)
    try:
        with observed.overridden_env(SLACK_WEBHOOK=httpserver.url_for("/services/T000/B000/XXXX")):
            completed = observed.run("lakehouse-bi", "alert", "--env-name", "ci")
    finally:
        observed.freshness_against(observed.landing)
    assert "edr monitor" in completed.stderr
    assert posts, "edr monitor sent nothing to the webhook"
    text = json.dumps(posts)
    assert "*Source:* landing.orders" in text
    assert "Source freshness" in text
