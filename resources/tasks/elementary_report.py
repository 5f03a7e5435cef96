"""Job task (pipeline job, `elementary_report`): write Elementary's HTML report to a volume.

`edr` is not a dbt command, so it cannot run in a dbt task; this script runs it on the job's
serverless environment (which installs elementary-data, pinned from constraints.txt). It
authenticates as the job's run-as principal through databricks-sdk's runtime credentials and
hands the host and token to edr the way a dbt task does (DBT_HOST, DBT_ACCESS_TOKEN), with the
warehouse, catalog and Elementary schema for resources/dbt_profiles/profiles.yml.
Self-contained on purpose: the lakehouse_bi package is not installed on job compute.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

PROFILES_DIR = "resources/dbt_profiles"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The task's parameters (see resources/jobs/lakehouse_bi_pipeline.job.yml)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", required=True, type=Path)
    parser.add_argument("--target", required=True)
    parser.add_argument("--report-dir", required=True, type=Path)
    parser.add_argument("--warehouse-id", required=True)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--elementary-schema", required=True)
    return parser.parse_args(argv)


def report_path(args: argparse.Namespace) -> Path:
    """Where the report goes: one file per target in the reports volume folder."""
    return args.report_dir / f"elementary_report_{args.target}.html"


def edr_command(args: argparse.Namespace) -> list[str]:
    """The `edr report` command line (no browser; the profile and target of the job)."""
    return [
        "edr", "report",
        "--project-dir", str(args.project_dir),
        "--profiles-dir", str(args.project_dir / PROFILES_DIR),
        "--profile-target", args.target,
        "--file-path", str(report_path(args)),
        "--open-browser", "false",
    ]  # fmt: skip


def edr_environment(args: argparse.Namespace, host: str, token: str) -> dict[str, str]:
    """The environment edr runs with: the connection for the profile, no usage tracking.
    `host` may carry a scheme; the profile wants the bare host name."""
    return {
        **os.environ,
        "DBT_HOST": host.removeprefix("https://").rstrip("/"),
        "DBT_ACCESS_TOKEN": token,
        "LAKEHOUSE_BI_WAREHOUSE_ID": args.warehouse_id,
        "LAKEHOUSE_BI_CATALOG": args.catalog,
        "LAKEHOUSE_BI_ELEMENTARY_SCHEMA": args.elementary_schema,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def runtime_credentials() -> tuple[str, str]:
    """(host, bearer token) of the principal this job runs as (databricks-sdk's default
    credential chain, which inside a job uses the run's own credentials)."""
    from databricks.sdk import WorkspaceClient

    config = WorkspaceClient().config
    authorization = config.authenticate().get("Authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        raise SystemExit("elementary_report: no bearer token for the run-as principal.")
    return config.host, token


def main(argv: list[str] | None = None) -> int:
    """Run edr report; its exit code is the task's."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    host, token = runtime_credentials()
    completed = subprocess.run(
        edr_command(args), env=edr_environment(args, host, token), check=False
    )
    if completed.returncode == 0:
        print(f"Elementary report: {report_path(args)}")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
