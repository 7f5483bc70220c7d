"""The agent's HTTP layer in-process: `build_app()` over `httpx.ASGITransport`, milliseconds each.

The classifier is a fake (tests/agent/fakes.py): what is under test is what the API promises
whatever the models say: documented shapes, status codes, limits and the metrics of every
answer. The same behaviour against the real agent process is in test_agent.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import jsonschema
import pytest
from prometheus_client import REGISTRY

from agent.app import AGENT_MODEL, build_app
from agent.settings import AgentSettings
from tests.agent.fakes import FakeClassifier, FakePredictor

KEYS = ["key-a", "key-b"]
A = {"authorization": "Bearer key-a"}


async def client_for(**settings) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(
        AgentSettings(**settings),
        classifier=FakeClassifier(),
        predictor_clients=[FakePredictor("svm", True)],
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://agent") as c:
            yield c


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(api_keys=KEYS, max_body_bytes=4096, max_batch_size=4):
        yield c


def counted(endpoint: str, outcome: str) -> float:
    labels = {"endpoint": endpoint, "outcome": outcome}
    return REGISTRY.get_sample_value("callcenter_agent_requests_total", labels) or 0.0


def timed(endpoint: str) -> float:
    labels = {"endpoint": endpoint}
    return REGISTRY.get_sample_value("callcenter_agent_request_seconds_count", labels) or 0.0


def documented(spec: dict, path: str, status: int) -> dict:
    """The JSON schema the OpenAPI document promises for one answer, references resolved."""
    content = spec["paths"][path]["post"]["responses"][str(status)]["content"]
    return {**content["application/json"]["schema"], "components": spec["components"]}


async def test_answers_and_refusals_match_the_openapi_document(api):
    spec = (await api.get("/openapi.json")).json()
    ok = await api.post("/v1/classify", json={"text": "printer jammed"}, headers=A)
    assert ok.status_code == 200
    jsonschema.validate(ok.json(), documented(spec, "/v1/classify", 200))
    assert set(ok.json()) == set(spec["components"]["schemas"]["ClassifyOut"]["properties"])
    refusals = {
        422: await api.post("/v1/classify", json={"text": " "}, headers=A),
        401: await api.post("/v1/classify", json={"text": "printer"}),
        413: await api.post("/v1/classify/batch", json={"tickets": [{"text": "a"}] * 5}, headers=A),
        503: await api.post("/v1/classify", json={"text": "both down"}, headers=A),
    }
    for status, response in refusals.items():
        assert response.status_code == status, response.text
        path = "/v1/classify/batch" if status == 413 else "/v1/classify"
        jsonschema.validate(response.json(), documented(spec, path, status))
    assert refusals[422].json()["detail"][0] == {
        "field": "body.text",
        "reason": "Value error, text is empty or whitespace",
    }
    assert refusals[503].headers["retry-after"] == "5"


async def test_v2_errors_are_v2_bodies_with_the_v1_statuses(api):
    path = f"/v2/models/{AGENT_MODEL}/infer"

    def body(*texts: str) -> dict:
        return {
            "inputs": [{"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}]
        }

    ok = await api.post(path, json=body("printer jammed"), headers=A)
    spec = (await api.get("/openapi.json")).json()
    jsonschema.validate(ok.json(), documented(spec, path, 200))
    for response, status in (
        (await api.post(path, json={"inputs": "no"}, headers=A), 400),
        (await api.post(path, json=body(*["a"] * 5), headers=A), 413),
        (await api.post(path, json=body("both down"), headers=A), 503),
        (await api.post(path, json=body("printer")), 401),
    ):
        assert response.status_code == status
        if status != 401:  # the auth dependency answers before the route: FastAPI's body
            assert set(response.json()) == {"error"}


async def test_body_limit_refuses_before_the_route_and_is_counted(api):
    before, seen = counted("/v1/classify", "too_large"), timed("/v1/classify")
    big = await api.post("/v1/classify", json={"text": "a" * 5000}, headers=A)
    assert big.status_code == 413

    async def stream():  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b"x" * 1024

    chunked = await api.post("/v1/classify", content=stream(), headers=A)
    assert chunked.status_code == 413
    v2 = await api.post(f"/v2/models/{AGENT_MODEL}/infer", content=b"x" * 5000, headers=A)
    assert v2.status_code == 413
    assert counted("/v1/classify", "too_large") == before + 2
    assert timed("/v1/classify") == seen + 2


async def test_outcomes_are_labelled_by_route_template_and_health_is_not_counted(api):
    before = counted("/v1/review/{request_id}", "unavailable")  # no store configured
    assert (await api.get("/v1/review/some-id", headers=A)).status_code == 503
    assert counted("/v1/review/{request_id}", "unavailable") == before + 1
    assert (
        REGISTRY.get_sample_value(
            "callcenter_agent_requests_total",
            {"endpoint": "/v1/review/some-id", "outcome": "unavailable"},
        )
        is None
    )
    unmatched = counted("unmatched", "not_found")
    assert (await api.get("/v1/nothing-here", headers=A)).status_code == 404
    assert counted("unmatched", "not_found") == unmatched + 1
    health = timed("/healthz")
    assert (await api.get("/healthz")).status_code == 200
    assert timed("/healthz") == health == 0


async def test_rate_limit_per_key_then_per_address_when_open():
    async for api in client_for(api_keys=KEYS, rate_limit="2/minute"):
        for _ in range(2):
            assert (
                await api.post("/v1/classify", json={"text": "printer"}, headers=A)
            ).status_code == 200
        limited = await api.post("/v1/classify", json={"text": "printer"}, headers=A)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        other = await api.post(
            "/v1/classify", json={"text": "printer"}, headers={"authorization": "Bearer key-b"}
        )
        assert other.status_code == 200
        # The review routes share the caller's budget.
        assert (await api.get("/v1/review", headers=A)).status_code == 429
    async for api in client_for(rate_limit="1/minute"):
        assert (await api.post("/v1/classify", json={"text": "printer"})).status_code == 200
        assert (await api.post("/v1/classify", json={"text": "printer"})).status_code == 429


def test_a_broken_rate_limit_fails_at_start_up():
    with pytest.raises(ValueError, match="rate limit"):
        AgentSettings(rate_limit="twenty a second")


async def test_a_422_never_repeats_what_was_sent(api):
    key = "call me on +44 20 7946 0958"
    response = await api.post("/v1/classify", json={"text": "printer", key: 1}, headers=A)
    assert response.status_code == 422
    assert "7946" not in response.text
    assert response.json()["detail"] == [
        {"field": "body.<unexpected field>", "reason": "Extra inputs are not permitted"}
    ]
