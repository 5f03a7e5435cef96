#!/usr/bin/env bash
# Download the newest unexpired artifact NAME of this repository (from any workflow run) into
# DEST, with the GitHub CLI: `gh` must be logged in (GH_TOKEN with actions:read in CI; `gh auth
# login` on a laptop). Used for slim CI's production manifest (NAME=prod-manifest, stored by
# cd.yml's prod job) and data validation's previous report. Exit 0 with a notice when none
# exists yet, unless REQUIRED=1.
#   .ci/fetch_artifact.sh prod-manifest prod-state
set -euo pipefail
name="${1:?artifact name}"
dest="${2:?destination folder}"
repo="${GITHUB_REPOSITORY:-$(gh repo view --json nameWithOwner --jq .nameWithOwner)}"
run_id="$(gh api "repos/${repo}/actions/artifacts?name=${name}&per_page=100" \
  --jq '[.artifacts[] | select(.expired == false)] | sort_by(.created_at) | last | .workflow_run.id // empty')"
if [[ -z "${run_id}" ]]; then
  echo "No unexpired artifact named ${name} in ${repo}." >&2
  [[ "${REQUIRED:-0}" == "1" ]] && exit 1
  exit 0
fi
mkdir -p "${dest}"
gh run download "${run_id}" --repo "${repo}" --name "${name}" --dir "${dest}"
echo "Fetched ${name} of run ${run_id} into ${dest}."
