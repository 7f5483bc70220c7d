"""v2 (Open Inference Protocol) calls to each InferenceService through its predictor Service."""

from __future__ import annotations

import os

import pytest

if os.environ.get("CCAI_CLUSTER_E2E") != "1":
    pytest.skip(
        "kind end-to-end test: runs only under `make kind-e2e` (CCAI_CLUSTER_E2E=1)",
        allow_module_level=True,
    )

import httpx

MODELS = ("callcenter-svm", "callcenter-transformer")
TICKETS = ["my laptop screen is broken", "Bonjour, je n'arrive plus à accéder au VPN"]


@pytest.mark.parametrize("model", MODELS)
def test_inference_service_is_ready(cluster, model):
    isvc = cluster.get("inferenceservice", model)
    conditions = {c["type"]: c["status"] for c in isvc["status"]["conditions"]}
    assert conditions.get("Ready") == "True", conditions
    address = isvc["status"]["address"]["url"]
    assert address.startswith(f"http://{model}-predictor.{cluster.namespace}.svc")


@pytest.mark.parametrize("model", MODELS)
def test_v2_infer(predictor_url, model):
    base = predictor_url(model)
    assert httpx.get(f"{base}/v2/health/ready", timeout=10).status_code == 200
    assert httpx.get(f"{base}/v2/models/{model}/ready", timeout=10).status_code == 200
    body = {
        "inputs": [{"name": "text", "shape": [len(TICKETS)], "datatype": "BYTES", "data": TICKETS}]
    }
    response = httpx.post(f"{base}/v2/models/{model}/infer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model_name"] == model
    outputs = {o["name"]: o for o in answer["outputs"]}
    classes = answer["parameters"]["classes"].split(",")
    assert len(outputs["label"]["data"]) == len(TICKETS)
    assert set(outputs["label"]["data"]) <= set(classes)
    assert all(0.0 <= c <= 1.0 for c in outputs["confidence"]["data"])
    assert outputs["probabilities"]["shape"] == [len(TICKETS), len(classes)]


@pytest.mark.parametrize("model", MODELS)
def test_metrics_exposed(predictor_url, model):
    response = httpx.get(f"{predictor_url(model)}/metrics", timeout=10)
    assert response.status_code == 200 and "# TYPE" in response.text
