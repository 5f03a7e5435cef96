"""`lakehouse-bi openlineage` on the built project: every event valid against the OpenLineage
schemas, column lineage and tags as the project declares them."""

from __future__ import annotations

import json

from lakehouse_bi.lineage.openlineage_command import read_events
from lakehouse_bi.lineage.openlineage_schema import event_problems


def test_openlineage_events_of_the_built_project(observed):
    output = observed.root / "openlineage.ndjson"
    observed.run(
        "lakehouse-bi", "openlineage", "--no-send",
        "--manifest", str(observed.built_manifest),
        "--run-results", str(observed.built_run_results),
        "--output", str(output),
    )  # fmt: skip
    events = read_events(output)
    problems = [p for event in events for p in event_problems(event)]
    assert problems == []
    results = json.loads(observed.built_run_results.read_text())["results"]
    ran = [r for r in results if r["unique_id"].split(".")[0] in ("model", "snapshot", "seed")]
    assert len(events) == 2 * len(ran) + 2
    outputs = {
        o["name"].rsplit(".", 2)[-2] + "." + o["name"].rsplit(".", 1)[-1]: o
        for e in events
        if e["eventType"] == "COMPLETE"
        for o in e["outputs"]
    }
    revenue = outputs["gold.sales_dashboard_metrics"]["facets"]["columnLineage"]["fields"]
    sources = {
        (f["name"].rsplit(".", 1)[-1], f["field"]) for f in revenue["revenue"]["inputFields"]
    }
    assert ("fct_sales", "net_amount") in sources
    tags = outputs["silver.dim_customer"]["facets"]["tags"]["tags"]
    assert {
        "key": "classification",
        "value": "pii",
        "source": "databricks",
        "field": "email",
    } in tags
    glossary = outputs["gold.sales_dashboard_metrics"]["facets"]["tags"]["tags"]
    assert {"key": "glossary_term", "value": "average order value", "source": "lakehouse-bi",
            "field": "average_order_value"} in glossary  # fmt: skip
