"""OpenLineage run events from a dbt run's artifacts (target/manifest.json and
run_results.json), built with the OpenLineage Python client's generated classes.

For the dbt invocation one parent job `<project>.dbt_<command>` gets START and COMPLETE (FAIL
when any node failed); every model, snapshot and seed that ran gets START and COMPLETE/FAIL
with the ParentRunFacet, its SQL, its inputs (the nodes and sources it depends on) and its
output dataset with these facets: schema (catalog.json, else the YAML columns), documentation,
column lineage (one hop, from lineage/columns.py when the manifest has compiled SQL), tags
(table and column Databricks tags, column classification, business-glossary terms) and row
count when the adapter reports one. Names follow OpenLineage's naming conventions:
dataset namespace `databricks://<host>` or `duckdb://<database>`, name
`<database>.<schema>.<identifier>`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    documentation_dataset,
    documentation_job,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
    sql_job,
    tags_dataset,
)

from lakehouse_bi import __version__
from lakehouse_bi.glossary.glossary import Term

PRODUCER = f"urn:lakehouse-bi:openlineage-export:{__version__}"
EMITTED_TYPES = ("model", "snapshot", "seed")
FAILED_STATUSES = ("error", "fail", "runtime error")
# A fixed namespace for uuid5: the same invocation and node always get the same run id.
_RUN_ID_NAMESPACE = uuid.UUID("6f1d5e0a-3c1b-4c52-9a57-7f0c2b8a9e11")
TAG_SOURCE = "lakehouse-bi"


@dataclass(frozen=True)
class LineageContext:
    """What names the events: job namespace, dataset namespace, and optional extras.

    column_lineage: unique_id -> column -> [(upstream unique_id, column)], from
    lakehouse_bi.lineage.columns; glossary: unique_id -> column -> terms."""

    job_namespace: str
    dataset_namespace: str
    column_lineage: dict[str, dict[str, list[tuple[str, str]]]]
    glossary: dict[str, dict[str, list[Term]]]
    catalog: dict[str, Any] | None = None


def run_id(invocation_id: str, unique_id: str = "") -> str:
    """Deterministic run id (UUID) of a node, or of the invocation when unique_id is empty."""
    return str(uuid.uuid5(_RUN_ID_NAMESPACE, f"{invocation_id}/{unique_id}"))


def dataset_namespace(adapter_type: str, host: str | None, database: str) -> str:
    """`databricks://<workspace host>` or `<adapter>://<database>` (OpenLineage naming)."""
    if adapter_type == "databricks":
        host = (host or "workspace").removeprefix("https://").removeprefix("http://")
        return f"databricks://{host.rstrip('/')}"
    return f"{adapter_type}://{database}"


def dataset_name(node: dict[str, Any]) -> str:
    identifier = node.get("identifier") or node.get("alias") or node["name"]
    parts = [node.get("database"), node.get("schema"), identifier]
    return ".".join(str(part) for part in parts if part)


def _time(value: str | None, default: str) -> str:
    if not value:
        return default
    stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.isoformat()


def _timing(result: dict[str, Any], default: str) -> tuple[str, str]:
    for step in result.get("timing") or []:
        if step.get("name") == "execute":
            return (
                _time(step.get("started_at"), default),
                _time(step.get("completed_at"), default),
            )
    return default, default


def _node(manifest: dict[str, Any], unique_id: str) -> dict[str, Any] | None:
    return manifest["nodes"].get(unique_id) or manifest.get("sources", {}).get(unique_id)


def _schema_facet(node: dict[str, Any], catalog: dict[str, Any] | None):
    built = ((catalog or {}).get("nodes") or {}).get(node["unique_id"], {}).get("columns")
    declared = node.get("columns") or {}
    if built:
        fields = [
            schema_dataset.SchemaDatasetFacetFields(
                name=name.lower(),
                type=column.get("type"),
                description=(declared.get(name.lower()) or {}).get("description") or None,
                ordinal_position=column.get("index"),
            )
            for name, column in sorted(built.items(), key=lambda item: item[1].get("index", 0))
        ]
    else:
        fields = [
            schema_dataset.SchemaDatasetFacetFields(
                name=name,
                type=column.get("data_type") or None,
                description=column.get("description") or None,
            )
            for name, column in declared.items()
        ]
    return schema_dataset.SchemaDatasetFacet(fields=fields) if fields else None


def tag_fields(node: dict[str, Any], terms: dict[str, list[Term]]) -> list[Any]:
    """Table-level Databricks tags, then per column: its Databricks tags, its
    meta.classification and the glossary terms it realises (`glossary_term`)."""
    tags = [
        tags_dataset.TagsDatasetFacetFields(key=str(key), value=str(value), source="databricks")
        for key, value in sorted(((node.get("config") or {}).get("databricks_tags") or {}).items())
    ]
    for name, column in sorted((node.get("columns") or {}).items()):
        column_tags = dict(column.get("databricks_tags") or {})
        classification = (column.get("meta") or {}).get("classification")
        if classification:
            column_tags.setdefault("classification", classification)
        tags += [
            tags_dataset.TagsDatasetFacetFields(
                key=str(key), value=str(value), source="databricks", field=name
            )
            for key, value in sorted(column_tags.items())
        ]
    for name, realised in sorted(terms.items()):
        tags += [
            tags_dataset.TagsDatasetFacetFields(
                key="glossary_term", value=term.name, source=TAG_SOURCE, field=name
            )
            for term in realised
        ]
    return tags


def _column_lineage_facet(
    manifest: dict[str, Any], context: LineageContext, unique_id: str
) -> Any | None:
    columns = context.column_lineage.get(unique_id)
    if not columns:
        return None
    fields = {}
    for column, upstream in sorted(columns.items()):
        inputs = []
        for parent_id, parent_column in upstream:
            parent = _node(manifest, parent_id)
            if parent is None:
                continue
            inputs.append(
                column_lineage_dataset.InputField(
                    namespace=context.dataset_namespace,
                    name=dataset_name(parent),
                    field=parent_column,
                )
            )
        if inputs:
            fields[column] = column_lineage_dataset.Fields(inputFields=inputs)
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields) if fields else None


def _output(manifest: dict[str, Any], context: LineageContext, node: dict[str, Any], rows):
    unique_id = node["unique_id"]
    facets: dict[str, Any] = {}
    schema = _schema_facet(node, context.catalog)
    if schema is not None:
        facets["schema"] = schema
    if node.get("description"):
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=node["description"]
        )
    lineage = _column_lineage_facet(manifest, context, unique_id)
    if lineage is not None:
        facets["columnLineage"] = lineage
    tags = tag_fields(node, context.glossary.get(unique_id, {}))
    if tags:
        facets["tags"] = tags_dataset.TagsDatasetFacet(tags=tags)
    output_facets = {}
    if isinstance(rows, int) and rows >= 0:
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=rows)
        )
    return OutputDataset(
        namespace=context.dataset_namespace,
        name=dataset_name(node),
        facets=facets,
        outputFacets=output_facets,
    )


def _inputs(manifest: dict[str, Any], context: LineageContext, node: dict[str, Any]):
    inputs = []
    for parent_id in sorted(set((node.get("depends_on") or {}).get("nodes") or [])):
        parent = _node(manifest, parent_id)
        if parent is None or parent["resource_type"] not in (*EMITTED_TYPES, "source"):
            continue
        inputs.append(InputDataset(namespace=context.dataset_namespace, name=dataset_name(parent)))
    return inputs


def build_events(
    manifest: dict[str, Any], run_results: dict[str, Any], context: LineageContext
) -> list[RunEvent]:
    """START/COMPLETE|FAIL events of the invocation and of each model, snapshot and seed in
    run_results, in execution order. Raises KeyError on artifacts missing dbt's keys."""
    metadata = run_results["metadata"]
    invocation = metadata["invocation_id"]
    generated_at = _time(metadata.get("generated_at"), dt.datetime.now(dt.timezone.utc).isoformat())
    project = manifest["metadata"].get("project_name") or "dbt"
    command = (run_results.get("args") or {}).get("which") or "run"
    parent_job_name = f"{project}.dbt_{command}"
    parent_facet = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_id(invocation)),
        job=parent_run.Job(namespace=context.job_namespace, name=parent_job_name),
    )
    dbt_job_type = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="DBT", jobType="JOB"
    )
    results = [
        result
        for result in run_results["results"]
        if (_node(manifest, result["unique_id"]) or {}).get("resource_type") in EMITTED_TYPES
    ]
    starts = [_timing(result, generated_at)[0] for result in results]
    parent_start = min(starts) if starts else generated_at
    events = [
        RunEvent(
            eventType=RunState.START,
            eventTime=parent_start,
            run=Run(runId=run_id(invocation)),
            job=Job(
                namespace=context.job_namespace,
                name=parent_job_name,
                facets={"jobType": dbt_job_type},
            ),
            producer=PRODUCER,
        )
    ]
    failed = False
    for result in results:
        node = _node(manifest, result["unique_id"])
        started, completed = _timing(result, generated_at)
        job_facets: dict[str, Any] = {
            "jobType": job_type_job.JobTypeJobFacet(
                processingType="BATCH", integration="DBT", jobType=node["resource_type"].upper()
            )
        }
        if node.get("compiled_code"):
            job_facets["sql"] = sql_job.SQLJobFacet(query=node["compiled_code"])
        if node.get("description"):
            job_facets["documentation"] = documentation_job.DocumentationJobFacet(
                description=node["description"]
            )
        job = Job(
            namespace=context.job_namespace,
            name=f"{project}.{node['resource_type']}.{node['name']}",
            facets=job_facets,
        )
        node_run_id = run_id(invocation, node["unique_id"])
        inputs = _inputs(manifest, context, node)
        events.append(
            RunEvent(
                eventType=RunState.START,
                eventTime=started,
                run=Run(runId=node_run_id, facets={"parent": parent_facet}),
                job=job,
                producer=PRODUCER,
                inputs=inputs,
                outputs=[
                    OutputDataset(namespace=context.dataset_namespace, name=dataset_name(node))
                ],
            )
        )
        status = str(result.get("status", "")).lower()
        run_facets: dict[str, Any] = {"parent": parent_facet}
        if status in FAILED_STATUSES:
            failed = True
            run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=str(result.get("message") or status), programmingLanguage="SQL"
            )
        rows = (result.get("adapter_response") or {}).get("rows_affected")
        end_state = RunState.FAIL if status in FAILED_STATUSES else RunState.COMPLETE
        if status == "skipped":
            end_state = RunState.ABORT
        events.append(
            RunEvent(
                eventType=end_state,
                eventTime=completed,
                run=Run(runId=node_run_id, facets=run_facets),
                job=job,
                producer=PRODUCER,
                inputs=inputs,
                outputs=[_output(manifest, context, node, rows)],
            )
        )
    ends = [_timing(result, generated_at)[1] for result in results]
    events.append(
        RunEvent(
            eventType=RunState.FAIL if failed else RunState.COMPLETE,
            eventTime=max([*ends, parent_start]),
            run=Run(runId=run_id(invocation)),
            job=Job(
                namespace=context.job_namespace,
                name=parent_job_name,
                facets={"jobType": dbt_job_type},
            ),
            producer=PRODUCER,
        )
    )
    return events
