"""OpenLineage export: events from a hand-made manifest and run_results, valid against the
OpenLineage JSON schemas shipped in the package, written to a file and POSTed to a loopback
receiver through the client's HTTP transport (retries included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openlineage.client.serde import Serde
from werkzeug import Response

from lakehouse_bi.cli import main
from lakehouse_bi.errors import ConfigError
from lakehouse_bi.glossary.glossary import Term
from lakehouse_bi.lineage.openlineage_command import lineage_context, read_events
from lakehouse_bi.lineage.openlineage_emit import (
    HttpSettings,
    LineageExportError,
    send_events,
    write_events,
)
from lakehouse_bi.lineage.openlineage_events import build_events, run_id
from lakehouse_bi.lineage.openlineage_schema import event_problems

INVOCATION = "8d1c2a4e-0000-4000-8000-000000000001"
STG_SQL = (
    "select cast(order_id as bigint) as order_id, amount as revenue, email\n"
    'from "wh"."landing"."orders"'
)
MART_SQL = 'select sum(revenue) as revenue from "wh"."silver"."stg_orders"'


def _node(kind, name, schema, depends_on=(), compiled=None, **extra):
    return {
        "unique_id": f"{kind}.shop.{name}", "resource_type": kind, "package_name": "shop",
        "name": name, "alias": name, "database": "wh", "schema": schema,
        "depends_on": {"nodes": list(depends_on)}, "compiled_code": compiled,
        "description": "", "columns": {}, "config": {}, **extra,
    }  # fmt: skip


def _artifacts(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "countries.csv").write_text("country_code,country_name\nFR,France\n")
    source = _node("source", "orders", "landing", identifier="orders")
    source["unique_id"] = "source.shop.landing.orders"
    source["columns"] = {"order_id": {}, "amount": {}, "email": {}}
    stg = _node(
        "model", "stg_orders", "silver", ["source.shop.landing.orders"], STG_SQL,
        description="Typed orders.",
        config={"databricks_tags": {"domain": "sales"}},
        columns={
            "order_id": {"name": "order_id", "description": "The order."},
            "revenue": {"name": "revenue", "description": "Net amount."},
            "email": {"name": "email", "meta": {"classification": "pii"},
                      "databricks_tags": {"pii_kind": "email"}},
        },
    )  # fmt: skip
    mart = _node("model", "mart", "gold", ["model.shop.stg_orders"], MART_SQL)
    seed = _node("seed", "countries", "reference", root_path=str(tmp_path),
                 original_file_path="seeds/countries.csv")  # fmt: skip
    test = _node("test", "not_null_mart_revenue", "gold", ["model.shop.mart"])
    manifest = {
        "metadata": {"adapter_type": "duckdb", "project_name": "shop"},
        "sources": {source["unique_id"]: source},
        "nodes": {n["unique_id"]: n for n in (stg, mart, seed, test)},
    }

    def result(unique_id, status, start, end, rows=None, message=None):
        timing = [{"name": "execute", "started_at": f"2026-11-29T10:00:{start:02d}.000000Z",
                   "completed_at": f"2026-11-29T10:00:{end:02d}.000000Z"}]  # fmt: skip
        response = {"rows_affected": rows} if rows is not None else {}
        return {"unique_id": unique_id, "status": status, "timing": timing,
                "adapter_response": response, "message": message}  # fmt: skip

    run_results = {
        "metadata": {"invocation_id": INVOCATION, "generated_at": "2026-11-29T10:01:00Z"},
        "args": {"which": "build"},
        "results": [
            result("seed.shop.countries", "success", 1, 2, rows=1),
            result("model.shop.stg_orders", "success", 3, 5, rows=10),
            result("model.shop.mart", "error", 6, 7, message="Binder Error: no column x"),
            result("test.shop.not_null_mart_revenue", "skipped", 8, 8),
        ],
    }
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    (tmp_path / "run_results.json").write_text(json.dumps(run_results))
    return manifest_path, tmp_path / "run_results.json"


def _events(tmp_path):
    manifest_path, results_path = _artifacts(tmp_path)
    manifest = json.loads(manifest_path.read_text())
    context = lineage_context(tmp_path, manifest, manifest_path, tmp_path / "catalog.json")
    revenue = Term(
        "revenue", "Net amount of revenue lines.", "finance", "sales", ("stg_orders.revenue",)
    )
    context = type(context)(**{**vars(context), "glossary": {
        "model.shop.stg_orders": {"revenue": [revenue]}}})  # fmt: skip
    events = build_events(manifest, json.loads(results_path.read_text()), context)
    return [Serde.to_dict(event) for event in events], events


def test_events_are_valid_against_the_openlineage_schemas(tmp_path):
    """As built, and as the client emits them (it adds its own run facets)."""
    dicts, events = _events(tmp_path)
    emitted = read_events(write_events(events, tmp_path / "events.ndjson"))
    assert len(emitted) == len(dicts) == 8
    for event in [*dicts, *emitted]:
        assert event_problems(event) == [], event["job"]["name"]


def test_schema_validation_can_fail():
    bad = {"eventTime": "2026-11-29T10:00:00+00:00", "producer": "urn:x", "schemaURL": "x",
           "run": {"runId": "not-a-uuid"}, "job": {"namespace": "n"}}  # fmt: skip
    problems = event_problems(bad)
    assert any("'name' is a required property" in p for p in problems), problems
    facet = {"_producer": "urn:x",
             "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
             "fields": {"revenue": {"transformationType": "x"}}}  # fmt: skip
    event = {**bad, "job": {"namespace": "n", "name": "j"},
             "run": {"runId": run_id("i")}, "outputs": [
                 {"namespace": "n", "name": "d", "facets": {"columnLineage": facet}}]}  # fmt: skip
    assert event_problems(event) == [
        "outputs[0].facets.columnLineage.fields.revenue: 'inputFields' is a required property"
    ]


def test_one_start_and_end_per_node_under_the_invocation(tmp_path):
    dicts, _ = _events(tmp_path)
    summary = [(e["eventType"], e["job"]["name"]) for e in dicts]
    assert summary == [
        ("START", "shop.dbt_build"),
        ("START", "shop.seed.countries"), ("COMPLETE", "shop.seed.countries"),
        ("START", "shop.model.stg_orders"), ("COMPLETE", "shop.model.stg_orders"),
        ("START", "shop.model.mart"), ("FAIL", "shop.model.mart"),
        ("FAIL", "shop.dbt_build"),
    ]  # fmt: skip
    parent = dicts[0]["run"]["runId"]
    assert parent == run_id(INVOCATION)
    for event in dicts[1:-1]:
        assert event["run"]["facets"]["parent"]["run"]["runId"] == parent
    failed = dicts[6]
    assert failed["run"]["facets"]["errorMessage"]["message"] == "Binder Error: no column x"
    assert dicts[0]["eventTime"] == "2026-11-29T10:00:01+00:00"
    assert dicts[-1]["eventTime"] == "2026-11-29T10:00:07+00:00"


def test_datasets_carry_schema_column_lineage_tags_and_row_counts(tmp_path):
    dicts, _ = _events(tmp_path)
    stg = dicts[4]
    assert stg["inputs"] == [{"namespace": "duckdb://wh", "name": "wh.landing.orders",
                              "facets": {}, "inputFacets": {}}]  # fmt: skip
    (output,) = stg["outputs"]
    assert output["name"] == "wh.silver.stg_orders"
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 10
    assert [f["name"] for f in output["facets"]["schema"]["fields"]] == [
        "order_id",
        "revenue",
        "email",
    ]
    lineage = output["facets"]["columnLineage"]["fields"]
    assert lineage["revenue"]["inputFields"] == [
        {"namespace": "duckdb://wh", "name": "wh.landing.orders", "field": "amount",
         "transformations": []}
    ]  # fmt: skip
    tags = {(t["key"], t["value"], t.get("field")) for t in output["facets"]["tags"]["tags"]}
    assert tags == {
        ("domain", "sales", None),
        ("classification", "pii", "email"),
        ("pii_kind", "email", "email"),
        ("glossary_term", "revenue", "revenue"),
    }
    mart_lineage = dicts[6]["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert mart_lineage["revenue"]["inputFields"][0]["name"] == "wh.silver.stg_orders"


def _without_client_facets(event: dict) -> dict:
    """The event minus the run facets the OpenLineage client adds when it emits."""
    run = {**event["run"], "facets": {k: v for k, v in event["run"]["facets"].items()
                                      if k in ("parent", "errorMessage")}}  # fmt: skip
    return {**event, "run": run}


def test_file_holds_one_event_a_line(tmp_path):
    dicts, events = _events(tmp_path)
    path = write_events(events, tmp_path / "out" / "openlineage.ndjson")
    assert [_without_client_facets(e) for e in read_events(path)] == dicts
    write_events(events[:2], path)  # replaced, not appended to
    assert len(read_events(path)) == 2


def test_http_receiver_gets_every_event_with_the_key(httpserver, tmp_path):
    dicts, events = _events(tmp_path)
    received = []

    def handler(request):
        received.append((request.headers.get("Authorization"), request.get_json()))
        return Response("", status=201)

    httpserver.expect_request("/api/v1/lineage", method="POST").respond_with_handler(handler)
    settings = HttpSettings.from_env(
        {"OPENLINEAGE_URL": httpserver.url_for("/"), "OPENLINEAGE_API_KEY": "k-123"}
    )
    assert send_events(events, settings) == len(events)
    assert [_without_client_facets(body) for _, body in received] == dicts
    assert {auth for auth, _ in received} == {"Bearer k-123"}


def test_http_transport_retries_a_503(httpserver, tmp_path):
    _, events = _events(tmp_path)
    httpserver.expect_ordered_request("/api/v1/lineage").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/v1/lineage").respond_with_data("", status=200)
    settings = HttpSettings(url=httpserver.url_for("/"))
    assert send_events(events[:1], settings) == 1
    assert len(httpserver.log) == 2


def test_a_refusing_backend_is_a_clear_error_without_the_key(httpserver, tmp_path):
    _, events = _events(tmp_path)
    httpserver.expect_request("/custom/lineage").respond_with_data("bad event", status=400)
    settings = HttpSettings(url=httpserver.url_for("/"), endpoint="custom/lineage",
                            api_key="secret-key-1")  # fmt: skip  # pragma: allowlist secret
    with pytest.raises(LineageExportError) as caught:
        send_events(events, settings)
    message = str(caught.value)
    assert "custom/lineage refused or did not answer event 1 of 8" in message
    assert "secret-key-1" not in message


def test_no_url_means_file_only():
    assert HttpSettings.from_env({}) is None
    assert HttpSettings.from_env({"OPENLINEAGE_URL": " "}) is None


def test_cli_writes_the_file_and_sends(httpserver, tmp_path, monkeypatch):
    manifest_path, _ = _artifacts(tmp_path)
    (tmp_path / "dbt_project.yml").write_text("name: shop\n")
    monkeypatch.chdir(tmp_path)
    httpserver.expect_request("/api/v1/lineage", method="POST").respond_with_data("", status=200)
    monkeypatch.setenv("OPENLINEAGE_URL", httpserver.url_for("/"))
    monkeypatch.setenv("OPENLINEAGE_NAMESPACE", "lakehouse-bi://ci")
    output = tmp_path / "events.ndjson"
    result = CliRunner().invoke(
        main, ["openlineage", "--manifest", str(manifest_path), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    events = read_events(output)
    assert len(events) == len(httpserver.log) == 8
    assert {e["job"]["namespace"] for e in events} == {"lakehouse-bi://ci"}
    missing = CliRunner().invoke(main, ["openlineage", "--manifest", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "No dbt manifest at" in missing.output
    results = json.loads((tmp_path / "run_results.json").read_text())
    (tmp_path / "run_results.json").write_text(
        json.dumps({**results, "args": {"which": "generate"}})
    )
    docs_run = CliRunner().invoke(main, ["openlineage", "--manifest", str(manifest_path)])
    assert (
        docs_run.exit_code == 2
        and "is from `dbt generate`, which runs no models" in docs_run.output
    )


@pytest.mark.parametrize(
    "url", ["http://marquez.example.com:5000", "HTTP://10.0.0.5/", "marquez:5000", "ftp://x"]
)
def test_an_api_key_is_never_sent_over_plain_http(httpserver, tmp_path, monkeypatch, url):
    manifest_path, _ = _artifacts(tmp_path)
    (tmp_path / "dbt_project.yml").write_text("name: shop\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENLINEAGE_URL", url)
    monkeypatch.setenv("OPENLINEAGE_API_KEY", "k-SECRET")
    output = tmp_path / "events.ndjson"
    result = CliRunner().invoke(
        main, ["openlineage", "--manifest", str(manifest_path), "--output", str(output)]
    )
    assert result.exit_code == ConfigError.exit_code, result.output
    assert "OPENLINEAGE_URL" in result.output and "not https" in result.output
    assert "k-SECRET" not in result.output
    assert not output.exists()  # refused before anything was exported or sent
    with pytest.raises(ConfigError, match="OPENLINEAGE_URL"):
        HttpSettings(url=url, api_key="k")


def test_https_or_loopback_http_may_carry_the_key_and_no_key_may_use_http():
    for url in ("https://lineage.example.com", "http://localhost:5000", "http://127.0.0.1:9/"):
        assert HttpSettings(url=url, api_key="k").api_key == "k"
    assert HttpSettings.from_env({"OPENLINEAGE_URL": "http://marquez:5000"}).api_key is None
