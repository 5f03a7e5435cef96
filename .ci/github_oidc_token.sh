#!/usr/bin/env bash
# CI only: exchange the job's GitHub OIDC token for a short-lived Databricks OAuth token of the
# service principal (workload identity federation; DATABRICKS_AUTH_TYPE=github-oidc,
# DATABRICKS_HOST, DATABRICKS_CLIENT_ID) and run ONE command with it as DATABRICKS_TOKEN:
#
#     .ci/github_oidc_token.sh make post-deploy-check
#
# The token is masked in the log and exported to that command's process tree only: it is not
# written to $GITHUB_ENV (every later step of the job, third-party actions included, would
# read it) nor to $GITHUB_OUTPUT (any later step could reference it), and it never appears on
# a command line (`ps`). dbt's profiles and `lakehouse-bi health` prefer it over a client
# secret. Needs `permissions: id-token: write` on the job. Nothing is stored; it expires in
# ~1 h. docs/SECURITY.md "Command-line inputs and secrets".
set -euo pipefail
if [[ $# -eq 0 ]]; then
  echo "usage: .ci/github_oidc_token.sh <command> [args...]: runs the command with a" \
    "short-lived DATABRICKS_TOKEN in its environment only (no longer exported to later" \
    "steps through \$GITHUB_ENV; see docs/SECURITY.md)." >&2
  exit 2
fi
: "${GITHUB_ACTIONS:?only for GitHub Actions}"
root="$(cd "$(dirname "$0")/.." && pwd)"
make --no-print-directory -C "${root}" setup >/dev/null
token="$("${root}/.venv/bin/python" -c '
from databricks.sdk.core import Config
header = Config().authenticate()["Authorization"]
print(header.split(" ", 1)[1])
')"
if [[ -z "${token}" ]]; then
  echo "github_oidc_token.sh: the OIDC exchange returned no token" >&2
  exit 1
fi
echo "::add-mask::${token}"
export DATABRICKS_TOKEN="${token}"
unset token
exec "$@"
