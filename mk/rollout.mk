# Rollout operator (rollout/): run it locally, install its CRD, run its tests.
# Included by the main Makefile (`-include mk/*.mk`); uses its BIN (the .venv). The image is built
# with the others by `make images` (mk/kubernetes.mk, from rollout/Dockerfile).

ROLLOUT_NAMESPACE ?= default
ROLLOUT_CRD := charts/callcenterai/crds/modelrollouts.callcenterai.io.yaml

.PHONY: rollout-test rollout-crd rollout-run

rollout-test: setup ## rollout operator tests (unit + kopf against MLflow and the kmock API emulator)
	$(BIN)/pytest tests/rollout

rollout-crd: ## apply the ModelRollout CRD to the current kubectl context
	kubectl apply -f $(ROLLOUT_CRD)

rollout-run: setup ## run the operator against the current kubectl context (ROLLOUT_NAMESPACE)
	CCAI_ROLLOUT_NAMESPACE=$(ROLLOUT_NAMESPACE) \
	CCAI_ROLLOUT_MLFLOW_TRACKING_URI=$${CCAI_ROLLOUT_MLFLOW_TRACKING_URI:-$(MLFLOW_TRACKING_URI)} \
	  $(BIN)/python -m rollout
