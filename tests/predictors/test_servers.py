"""Both predictors as real KServe servers on loopback: contract, bad input, metrics."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pipelines.prepare import read_split
from tests.conftest import answer_to_a_huge_body, predictor

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module", params=["svm", "transformer"])
def server(request, svm_server, transformer_server):
    return {"svm": svm_server, "transformer": transformer_server}[request.param]


def name_of(server) -> str:
    return server.health.split("/")[3]


def v2(server, texts: list, **tensor) -> httpx.Response:
    body = {
        "id": "req-1",
        "inputs": [
            {"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts, **tensor}
        ],
    }
    return httpx.post(f"{server.url}/v2/models/{name_of(server)}/infer", json=body, timeout=30)


def test_v2_and_v1_agree_and_follow_the_contract(server, trained):
    texts, _ = read_split(trained / "splits", "test")
    texts = texts[:12]
    response = v2(server, texts)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "req-1"
    outputs = {o["name"]: o for o in body["outputs"]}
    classes = body["parameters"]["classes"].split(",")
    assert len(classes) == 8
    assert outputs["label"]["datatype"] == "BYTES" and outputs["label"]["shape"] == [12]
    assert outputs["confidence"]["datatype"] == "FP32"
    assert outputs["probabilities"]["shape"] == [12, 8]
    probs = np.array(outputs["probabilities"]["data"]).reshape(12, 8)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert set(outputs["label"]["data"]) <= set(classes)
    assert [classes[i] for i in probs.argmax(axis=1)] == outputs["label"]["data"]
    np.testing.assert_allclose(probs.max(axis=1), outputs["confidence"]["data"], atol=1e-6)
    familiarity = outputs["familiarity"]
    assert familiarity["datatype"] == "FP32" and familiarity["shape"] == [12]
    assert all(0.0 <= f <= 1.0 for f in familiarity["data"])
    assert max(familiarity["data"]) > 0  # the signal is computed, not a placeholder
    assert body["parameters"]["model"] == name_of(server)
    if "svm" in name_of(server):  # a linear model can say which terms decided
        keywords = outputs["keywords"]
        assert keywords["datatype"] == "BYTES" and keywords["shape"] == [12]
        terms = [json.loads(k) for k in keywords["data"]]
        assert all(isinstance(t, list) and len(t) <= 5 for t in terms)
        assert sum(bool(t) for t in terms) >= 10
    else:
        assert "keywords" not in outputs

    v1 = httpx.post(
        f"{server.url}/v1/models/{name_of(server)}:predict", json={"instances": texts}, timeout=30
    ).json()
    assert [p["label"] for p in v1["predictions"]] == outputs["label"]["data"]
    np.testing.assert_allclose([p["probabilities"] for p in v1["predictions"]], probs, atol=1e-5)
    np.testing.assert_allclose(
        [p["familiarity"] for p in v1["predictions"]], familiarity["data"], atol=1e-6
    )


def test_metadata_is_truthful(server):
    meta = httpx.get(f"{server.url}/v2/models/{name_of(server)}").json()
    assert meta["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    assert {o["name"]: o["shape"] for o in meta["outputs"]} == {
        "label": [-1],
        "confidence": [-1],
        "probabilities": [-1, 8],
        "familiarity": [-1],
    }
    assert httpx.get(f"{server.url}/v2/health/live").status_code == 200


BAD = [
    (
        "empty text",
        {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [""]}]},
        "empty",
    ),
    (
        "whitespace",
        {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [" \n "]}]},
        "empty",
    ),
    (
        "wrong datatype",
        {"inputs": [{"name": "text", "shape": [1], "datatype": "FP32", "data": [1.0]}]},
        "BYTES",
    ),
    (
        "wrong shape",
        {"inputs": [{"name": "text", "shape": [1, 2], "datatype": "BYTES", "data": ["a", "b"]}]},
        "shape",
    ),
    (
        "shape mismatch",
        {"inputs": [{"name": "text", "shape": [3], "datatype": "BYTES", "data": ["a"]}]},
        "elements",
    ),
    (
        "missing input",
        {"inputs": [{"name": "body", "shape": [1], "datatype": "BYTES", "data": ["a"]}]},
        "missing input",
    ),
    ("no inputs", {"inputs": []}, "missing input"),
    (
        "not a string",
        {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [5]}]},
        "string",
    ),
    (
        "too long",
        {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["x" * 10_001]}]},
        "limit",
    ),
    (
        "too many",
        {"inputs": [{"name": "text", "shape": [65], "datatype": "BYTES", "data": ["a"] * 65}]},
        "limit",
    ),
]


@pytest.mark.parametrize(("case", "body", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_4xx_with_reason(server, case, body, reason):
    response = httpx.post(f"{server.url}/v2/models/{name_of(server)}/infer", json=body, timeout=30)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
    assert reason in response.text


@pytest.mark.parametrize(
    "raw",
    [
        b'{"inputs": [{"name": "tex',
        b'{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["caf\xff"]}]}',
    ],
    ids=["malformed json", "invalid utf-8"],
)
def test_malformed_bodies_get_4xx(server, raw):
    response = httpx.post(
        f"{server.url}/v2/models/{name_of(server)}/infer", content=raw, headers=JSON, timeout=30
    )
    assert 400 <= response.status_code < 500, response.text


def test_v1_bad_input(server):
    url = f"{server.url}/v1/models/{name_of(server)}:predict"
    assert httpx.post(url, json={"instances": []}).status_code == 400
    assert "instances" in httpx.post(url, json={"texts": ["a"]}).text
    assert httpx.post(url, json={"texts": ["a"]}).status_code == 400


def samples(server) -> dict[tuple[str, tuple], float]:
    """/metrics parsed: (sample name, sorted labels) -> value. HELP lines alone satisfy nothing."""
    text = httpx.get(f"{server.url}/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(found: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_count_predictions(server):
    name = name_of(server)
    before = samples(server)
    assert v2(server, ["printer on floor 3 is jammed"]).status_code == 200
    assert v2(server, ["   "]).status_code == 400
    after = samples(server)

    def grew(metric: str) -> float:
        return total(after, metric, model_name=name) - total(before, metric, model_name=name)

    assert grew("callcenter_predictor_predictions_total") == 1
    assert grew("callcenter_predictor_invalid_requests_total") == 1
    assert grew("callcenter_predictor_batch_size_count") == 1
    assert grew("request_predict_seconds_count") >= 1
    # A refused input is the caller's fault: not a server-side error for the rollout to judge.
    assert grew("callcenter_predictor_errors_total") == 0
    reasons = {dict(ls)["reason"] for n, ls in after if n == "callcenter_predictor_errors_total"}
    assert reasons == {"scoring", "response"}  # present at zero: the rollout can judge it
    kind = name.split("-")[1]
    assert total(after, "callcenter_predictor_model_info", model_name=name, kind=kind) == 1


def test_a_huge_body_is_refused_before_it_is_read(server):
    """KServe's FastAPI app carries the body limit (CCAI_PREDICTOR_MAX_BODY_BYTES, 4 MiB)."""
    name = name_of(server)
    answer = answer_to_a_huge_body(server.url, f"/v2/models/{name}/infer")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.slow  # starts a predictor process
def test_not_ready_model_answers_503_and_server_stays_up(tmp_path):
    server = predictor("svm", str(tmp_path / "nowhere"), tmp_path)
    server.start(wait=False)
    try:
        from tests.conftest import wait_http

        wait_http(f"{server.url}/v2/health/live", timeout=120, proc=server.proc)
        ready = httpx.get(f"{server.url}/v2/models/callcenter-svm/ready")
        assert ready.status_code == 503
        response = v2(server, ["my laptop is broken"])
        assert response.status_code == 503
        assert server.proc.poll() is None
    finally:
        server.stop()


def test_loads_from_registry_uri(trained, mlflow_server, tmp_path):
    from mlflow import MlflowClient

    version = MlflowClient(mlflow_server).get_model_version_by_alias("callcenter-svm", "production")
    server = predictor(
        "svm",
        "models:/callcenter-svm@production",
        tmp_path,
        env={"MLFLOW_TRACKING_URI": mlflow_server},
    ).start()
    try:
        body = v2(server, ["cannot log in to my account"]).json()
        assert body["model_version"] == version.version
        assert body["parameters"]["version"] == version.version
    finally:
        server.stop()


def test_request_logging_is_off_by_default_and_on_by_setting(svm_server, trained, tmp_path):
    for _ in range(3):
        assert v2(svm_server, ["printer on floor 3 is jammed"]).status_code == 200
    quiet = svm_server.logs()
    assert "POST /v2/models/callcenter-svm/infer" not in quiet  # uvicorn access line
    assert "kserve.io.v2.models.callcenter-svm.infer" not in quiet  # KServe timing trace
    assert "ORJSONResponse" not in quiet
    assert "callcenter-svm: loaded svm version" in quiet  # our own lifecycle lines stay

    loud = predictor("svm", str(trained / "models" / "svm"), tmp_path, "--log_requests").start()
    try:
        assert v2(loud, ["printer on floor 3 is jammed"]).status_code == 200
        # The log lines are written after the answer: poll rather than read once.
        wanted = (
            "POST /v2/models/callcenter-svm/infer",
            "kserve.io.v2.models.callcenter-svm.infer",
            "callcenter-svm: 1 texts -> [",
        )
        deadline = time.monotonic() + 20
        while not all(w in loud.logs() for w in wanted) and time.monotonic() < deadline:
            time.sleep(0.2)
        logs = loud.logs()
        assert "POST /v2/models/callcenter-svm/infer" in logs
        assert "kserve.io.v2.models.callcenter-svm.infer" in logs
        assert "callcenter-svm: 1 texts -> [" in logs
        assert "printer" not in logs  # sizes and labels only: ticket text may hold personal data
        assert "ORJSONResponse" not in logs
    finally:
        loud.stop()
