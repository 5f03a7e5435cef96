#!/usr/bin/env bash
# CI only: exchange the job's GitHub OIDC token for a short-lived Databricks OAuth token of the
# service principal (workload identity federation; DATABRICKS_AUTH_TYPE=github-oidc,
# DATABRICKS_HOST, DATABRICKS_CLIENT_ID) and hand it to later steps as DATABRICKS_TOKEN, masked
# in the log. dbt's profiles and `lakehouse-bi health` prefer it over a client secret.
# Needs `permissions: id-token: write` on the job. Nothing is stored; it expires in ~1 h.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory setup >/dev/null
token="$(.venv/bin/python -c '
from databricks.sdk.core import Config
header = Config().authenticate()["Authorization"]
print(header.split(" ", 1)[1])
')"
echo "::add-mask::${token}"
echo "DATABRICKS_TOKEN=${token}" >> "${GITHUB_ENV:?only for GitHub Actions}"
