# lakehouse-bi: `make demo` builds everything locally, `make test` checks everything.
# Every target creates the virtualenv and installs what it needs first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= small

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
# The audit table records the commit every dbt invocation ran from
# (packages/lakehouse/macros/observability/).
export LAKEHOUSE_BI_GIT_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
# The virtualenv first, so pre-commit's system hooks and dbt find the pinned tools.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help setup deps data build docs report demo test lint unit integration bench clean \
	freshness health alert validate evaluate secret-scan slim-ci deploy post-deploy-check data-validation \
	pytest fetch-state state-manifest fetch-previous-report

# Databricks bundle target (databricks.yml): dev | staging | prod.
TARGET ?= dev
# Folder holding the production manifest.json that slim CI compares against (docs/CI.md).
STATE ?= prod-state
# Slim CI creates its policy functions in a governance schema of its own (docs/CI.md), so
# pull-request code never replaces the functions of the dev catalog's shared `governance`.
SLIM_CI_GOVERNANCE_SCHEMA ?= $(if $(DATABRICKS_SCHEMA),$(DATABRICKS_SCHEMA)_governance,governance)
SLIM_CI_VARS := '{governance_schema: $(SLIM_CI_GOVERNANCE_SCHEMA)}'
# Folder for the scheduled data-validation reports (row counts, schemas).
REPORTS ?= reports/data_validation

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

profiles.yml:
	cp profiles.yml.example profiles.yml

setup: $(STAMP) profiles.yml deps  ## Create the virtualenv, install Python and dbt packages

deps: $(STAMP)  ## Install pinned dbt packages (dbt hub, else the offline cache)
	$(BIN)/lakehouse-bi deps

data: setup  ## Generate the sample landing data (SCENARIO=small|medium|large)
	$(BIN)/lakehouse-bi generate --scenario $(SCENARIO) --output data/landing --force

build: setup  ## dbt build on the local DuckDB target, then its OpenLineage events
	$(BIN)/dbt build
	$(BIN)/lakehouse-bi openlineage

docs: setup  ## dbt docs, column lineage, model lineage diagrams (Mermaid + SVG, docs/diagrams/)
	$(BIN)/dbt docs generate
	$(BIN)/lakehouse-bi lineage --diagram docs/diagrams/model_lineage.md \
		--svg docs/diagrams/model_lineage.svg

freshness: setup  ## dbt source freshness: landing files and last run against their SLAs
	$(BIN)/dbt source freshness

health: setup  ## SLAs and DQ score of the local warehouse; non-zero exit on a breach
	$(BIN)/lakehouse-bi health

alert: setup  ## edr monitor to Slack/Teams; does nothing unless SLACK_WEBHOOK/TEAMS_WEBHOOK is set
	$(BIN)/lakehouse-bi alert

demo: setup  ## Everything: data, dbt build, docs, Elementary report, summary
	$(BIN)/lakehouse-bi demo --scenario $(SCENARIO)

lint: setup  ## ruff, sqlfluff and the other pre-commit hooks, offline
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

unit: setup  ## Fast Python unit tests
	$(BIN)/pytest tests/unit

test: lint pytest  ## Lint, then every test (unit, dbt, integration, recorded Databricks SQL)

# pytest-xdist workers for `make pytest` (PYTEST_WORKERS=0: one process). tests/conftest.py
# groups the tests so each shared build runs on one worker; docs/PERFORMANCE.md "Test suite".
PYTEST_WORKERS ?= 2
PYTEST_DIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder)

pytest: setup  ## Every test with coverage; fails under the floor in pyproject.toml (fail_under)
	$(BIN)/pytest tests $(PYTEST_DIST) --durations=15 --cov --cov-report=term \
		--cov-report=xml:reports/coverage.xml

validate: setup  ## Every spec in one offline pass: profiles, vars, policies, glossary, ...
	$(BIN)/lakehouse-bi validate

evaluate: setup  ## dbt Labs' project evaluator on the project's graph (names, folders, DAG, docs)
	$(BIN)/lakehouse-bi models evaluate

secret-scan: setup  ## detect-secrets over every tracked file against .secrets.baseline
	$(BIN)/pre-commit run detect-secrets --all-files

fetch-state: setup  ## Download the last production deploy's manifest into $(STATE)/ (gh CLI)
	.ci/fetch_artifact.sh prod-manifest $(STATE)

state-manifest: setup  ## The manifest of this commit for target $(TARGET), into $(STATE)/
	$(BIN)/dbt parse --target $(TARGET) --target-path $(STATE)

slim-ci: setup  ## dbt build of what changed against $(STATE)/manifest.json, deferring the rest
	@if [ -f $(STATE)/manifest.json ]; then \
		$(BIN)/dbt ls --resource-type model --select state:modified+ --state $(STATE) && \
		$(BIN)/dbt build --select state:modified+ --defer --state $(STATE) --vars $(SLIM_CI_VARS); \
	else \
		echo "No $(STATE)/manifest.json (no production deploy yet): building everything."; \
		$(BIN)/dbt build --vars $(SLIM_CI_VARS); \
	fi

deploy: setup  ## databricks bundle validate + deploy -t $(TARGET) (Databricks CLI on PATH)
	databricks bundle validate -t $(TARGET)
	databricks bundle deploy -t $(TARGET)

post-deploy-check: setup  ## After a deploy: validate-deployment and health; non-zero on a failure
	$(BIN)/dbt parse --target $(TARGET)
	$(BIN)/lakehouse-bi ops validate-deployment --target $(TARGET)
	$(BIN)/lakehouse-bi health

fetch-previous-report: setup  ## The last data-validation report into $(REPORTS)/previous/ (gh CLI)
	.ci/fetch_artifact.sh data-validation-report $(REPORTS)/previous

data-validation: setup  ## dbt tests, health, row counts and schemas vs the previous run's report
	$(BIN)/dbt test
	$(BIN)/dbt docs generate
	$(BIN)/lakehouse-bi data-validation --report-dir $(REPORTS) \
		--previous $(REPORTS)/previous/report.json
	$(BIN)/lakehouse-bi health

bench: setup  ## Benchmarks (generation throughput, medium build vs. hand-written lower bound)
	$(BIN)/python bench/bench_generate.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_incremental.py

clean:  ## Remove build outputs and local data (keeps the virtualenv)
	rm -rf target logs dbt_packages data reports
