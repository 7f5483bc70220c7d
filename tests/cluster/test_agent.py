"""The agent in the cluster: authentication, classification through the predictors, v2 endpoint."""

from __future__ import annotations

import os

import pytest

if os.environ.get("CCAI_CLUSTER_E2E") != "1":
    pytest.skip(
        "kind end-to-end test: runs only under `make kind-e2e` (CCAI_CLUSTER_E2E=1)",
        allow_module_level=True,
    )

import httpx


def post(agent_url: str, api_key: str, path: str, body: dict) -> httpx.Response:
    """An authenticated call to the agent, as a support tool makes it."""
    return httpx.post(
        f"{agent_url}{path}", json=body, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
    )


def test_health(agent_url):
    assert httpx.get(f"{agent_url}/healthz", timeout=10).status_code == 200
    ready = httpx.get(f"{agent_url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert all(ready.json().values()), f"a predictor is not ready: {ready.json()}"


def test_api_key_required(agent_url):
    response = httpx.post(f"{agent_url}/v1/classify", json={"text": "printer jammed"}, timeout=30)
    assert response.status_code == 401


def test_classify_scrubs_pii_and_routes(agent_url, api_key):
    ticket = {
        "text": "Hello, I am John Smith (john.smith@example.com), my laptop screen is broken",
        "channel": "email",
    }
    response = post(agent_url, api_key, "/v1/classify", ticket)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["category"] and 0.0 <= answer["confidence"] <= 1.0
    assert answer["route"]["decision"] in {"svm", "transformer", "escalated"}
    assert not answer["route"]["fallback"], "a predictor was unreachable from the agent"
    assert "john.smith@example.com" not in answer["pii"]["redacted_text"]


def test_transformer_route_for_non_english(agent_url, api_key):
    ticket = {
        "text": "Bonjour, mon imprimante ne fonctionne plus depuis ce matin",
        "channel": "chat",
    }
    response = post(agent_url, api_key, "/v1/classify", ticket)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model"] == "callcenter-transformer", answer["route"]
    assert not answer["route"]["fallback"]


def test_v2_endpoint(agent_url, api_key):
    body = {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["VPN down"]}]}
    response = post(agent_url, api_key, "/v2/models/callcenter-agent/infer", body)
    assert response.status_code == 200, response.text
    outputs = {o["name"]: o["data"] for o in response.json()["outputs"]}
    assert len(outputs["label"]) == 1 and outputs["model"][0].startswith("callcenter-")
