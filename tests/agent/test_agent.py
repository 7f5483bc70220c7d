"""The real agent process against real predictor servers (trained on the sample)."""

from __future__ import annotations

import json
import time

import httpx
import pandas as pd
import pytest
from mlflow import MlflowClient

from contract.bands import BandPolicy, decide
from pipelines.calibrate_router import forced_rows
from pipelines.params import load_params
from tests.conftest import (
    ROOT,
    RecordingProxy,
    agent,
    answer_to_a_huge_body,
    free_port,
    predictor,
)

FRENCH = (
    "Bonjour, je n'arrive plus à me connecter à ma messagerie depuis ce matin. Merci de votre aide."
)
ARABIC = "مرحبا، لا أستطيع الدخول إلى حسابي منذ الصباح، أرجو إعادة تعيين كلمة المرور. شكرا"
ENGLISH = "laptop screen broken please replace"
PII_TICKET = (
    "Hi, this is John Smith. My laptop will not start, call me on +44 20 7946 0958 "
    "or write to john.smith@example.com. Card 4111 1111 1111 1111 was charged."
)
SECRETS = ["John Smith", "7946 0958", "john.smith@example.com", "4111 1111 1111 1111"]


@pytest.fixture(scope="module")
def proxies(registry_predictors):
    svm, transformer = (RecordingProxy(server.url) for server in registry_predictors)
    yield svm, transformer
    svm.close()
    transformer.close()


@pytest.fixture(scope="module")
def agent_server(proxies, mlflow_server, tmp_path_factory):
    svm, transformer = proxies
    server = agent(
        tmp_path_factory.mktemp("agent"),
        svm.url,
        transformer.url,
        mlflow_tracking_uri=mlflow_server,
        api_keys="k1,k2",
    ).start()
    yield server
    server.stop()


def classify(server, text: str, **extra) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/classify",
        json={"text": text, **extra},
        headers={"authorization": "Bearer k1"},
        timeout=30,
    )


def test_routes_by_language(agent_server):
    english = classify(agent_server, ENGLISH).json()
    assert english["route"]["language"] == "en"
    assert english["route"]["decision"] in {"svm", "escalated"}
    assert english["route"]["svm_confidence"] is not None
    for text, language in ((FRENCH, "fr"), (ARABIC, "ar")):
        body = classify(agent_server, text).json()
        assert body["route"]["language"] == language
        assert body["route"]["decision"] == "transformer"
        assert body["model"] == "callcenter-transformer"
        assert body["route"]["reasons"][0]["code"] == "language"
        assert body["route"]["rationale"]


def test_threshold_comes_from_the_registry(agent_server, mlflow_server, trained):
    tags = (
        MlflowClient(mlflow_server).get_model_version_by_alias("callcenter-svm", "production").tags
    )
    metrics = httpx.get(f"{agent_server.url}/metrics").text
    line = next(x for x in metrics.splitlines() if x.startswith("callcenter_agent_svm_threshold "))
    assert float(line.split()[1]) == pytest.approx(float(tags["router.svm_threshold"]))
    body = classify(agent_server, ENGLISH).json()
    assert "calibrated for callcenter-svm" in body["route"]["rationale"]


def test_every_answer_has_a_band_and_top_k_consistent_with_its_version(agent_server, mlflow_server):
    client = MlflowClient(mlflow_server)
    for text in (ENGLISH, FRENCH, ARABIC):
        body = classify(agent_server, text).json()
        assert body["band"] in {"auto", "review"}
        top = body["top_k"]
        assert len(top) == 3
        assert top[0]["category"] == body["category"]
        assert top[0]["probability"] == pytest.approx(body["confidence"], abs=1e-4)
        assert [t["probability"] for t in top] == sorted(
            (t["probability"] for t in top), reverse=True
        )
        assert 0.0 <= body["familiarity"] <= 1.0
        # The band is contract.bands' rule applied with the answering version's own tags.
        tags = client.get_model_version(body["model"], body["model_version"]).tags
        policy = BandPolicy.from_tags(tags, "registry")
        kind = body["model"].removeprefix("callcenter-")
        expected = decide(
            body["confidence"],
            body["familiarity"],
            policy,
            kind,
            body["route"]["decision"] == "escalated"
            and body["route"]["svm_category"] != body["category"],
        )
        assert body["band"] == expected.band, body["route"]["rationale"]
        assert body["route"]["reasons"][-1]["code"] == expected.code
    metrics = httpx.get(f"{agent_server.url}/metrics").text
    assert "callcenter_agent_bands_total{" in metrics
    assert "callcenter_agent_familiarity_bucket{" in metrics


def test_calibration_replays_the_agents_routing(agent_server):
    """calibrate_router / calibrate_bands decide which tickets the transformer answers with the
    same contract.routing functions the agent routes with: same decisions on live tickets."""
    live = pd.read_csv(ROOT / "data" / "live" / "live_tickets.csv", keep_default_na=False)
    sample = live.groupby("language").head(12)
    forced = forced_rows(sample["text"].tolist(), sample["language"].tolist(), load_params())
    for row, expected in zip(sample.itertuples(), forced, strict=True):
        body = classify(agent_server, row.text, language=row.language).json()
        decision = body["route"]["decision"]
        assert (decision == "transformer") == expected, (row.language, body["route"]["rationale"])


def test_pii_never_reaches_predictors_or_logs(agent_server, proxies):
    body = classify(agent_server, PII_TICKET).json()
    redacted = body["pii"]["redacted_text"]
    for secret in SECRETS:
        assert secret not in redacted
    assert {"PERSON", "PHONE", "EMAIL", "CARD"} <= {e["type"] for e in body["pii"]["entities"]}
    first = body["pii"]["entities"][0]
    assert PII_TICKET[first["start"] : first["end"]] in SECRETS[0]
    received = [t for proxy in proxies for t in proxy.texts()]
    assert received, "the predictors received nothing"
    assert redacted in received
    logs = agent_server.logs()
    for secret in SECRETS:
        assert not any(secret in t for t in received)
        assert secret not in logs
    # ... and the ticket was logged, redacted: the checks above are not passing on silence.
    logged = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(r.get("redacted_text") == redacted for r in logged)


def test_batch_and_v2(agent_server):
    batch = httpx.post(
        f"{agent_server.url}/v1/classify/batch",
        json={"tickets": [{"text": ENGLISH}, {"text": FRENCH, "channel": "email"}]},
        headers={"authorization": "Bearer k2"},
    ).json()
    assert [r["route"]["language"] for r in batch["results"]] == ["en", "fr"]
    v2 = httpx.post(
        f"{agent_server.url}/v2/models/callcenter-agent/infer",
        json={
            "id": "x",
            "inputs": [
                {"name": "text", "shape": [2], "datatype": "BYTES", "data": [ENGLISH, ARABIC]}
            ],
        },
        headers={"authorization": "Bearer k1"},
    ).json()
    outputs = {o["name"]: o["data"] for o in v2["outputs"]}
    assert len(outputs["label"]) == 2
    assert outputs["model"][1] == "callcenter-transformer"
    assert (
        httpx.get(f"{agent_server.url}/v2/models/callcenter-agent").json()["inputs"][0]["name"]
        == "text"
    )


def test_request_id_top_k_and_forced_model(agent_server):
    """A caller's X-Request-ID is kept (a new one made otherwise), `top_k` sizes the list, and
    `force_model` answers with the named model whatever the routing rule would choose."""
    headers = {"authorization": "Bearer k1", "x-request-id": "crm-4411:a"}
    kept = httpx.post(
        f"{agent_server.url}/v1/classify?top_k=5", json={"text": ENGLISH}, headers=headers
    )
    assert kept.headers["x-request-id"] == "crm-4411:a"
    body = kept.json()
    assert body["request_id"] == "crm-4411:a"
    assert len(body["top_k"]) == 5
    fresh = classify(agent_server, ENGLISH, top_k=1)
    assert fresh.json()["request_id"] == fresh.headers["x-request-id"] != "crm-4411:a"
    assert len(fresh.json()["top_k"]) == 1
    # More than there are categories: all of them, ranked.
    assert len(classify(agent_server, ENGLISH, top_k=50).json()["top_k"]) == 8
    # French would go to the transformer; forced, the SVM answers and nothing escalates.
    forced = classify(agent_server, FRENCH, force_model="svm").json()
    assert forced["model"] == "callcenter-svm"
    assert forced["route"]["decision"] == "forced"
    assert forced["route"]["reasons"][0]["code"] == "forced"
    assert forced["route"]["svm_confidence"] == pytest.approx(forced["confidence"], abs=1e-4)
    to_tr = classify(agent_server, ENGLISH, force_model="transformer").json()
    assert to_tr["model"] == "callcenter-transformer"
    assert "routing skipped" in to_tr["route"]["rationale"]
    # Keywords come from the SVM (a linear model can say which terms decided), in the ticket.
    svm = classify(agent_server, ENGLISH, force_model="svm").json()
    assert svm["keywords"] and all(
        word in svm["pii"]["redacted_text"].lower() for k in svm["keywords"] for word in k.split()
    )
    assert to_tr["keywords"] == []
    batch = httpx.post(
        f"{agent_server.url}/v1/classify/batch",
        json={"tickets": [{"text": ENGLISH}, {"text": FRENCH, "top_k": 2}]},
        headers={"authorization": "Bearer k1", "x-request-id": "b1"},
    ).json()
    assert [r["request_id"] for r in batch["results"]] == ["b1-0", "b1-1"]
    assert [len(r["top_k"]) for r in batch["results"]] == [3, 2]
    bad_id = httpx.post(
        f"{agent_server.url}/v1/classify",
        json={"text": ENGLISH},
        headers={"authorization": "Bearer k1", "x-request-id": "has space"},
    )
    assert bad_id.status_code == 400 and "X-Request-ID" in bad_id.json()["detail"]


BAD = [
    ({"text": "ok", "top_k": 0}, 422),
    ({"text": "ok", "top_k": 51}, 422),
    ({"text": "ok", "force_model": "bert"}, 422),
    ({"text": ""}, 422),
    ({"text": "   \n"}, 422),
    ({"text": 5}, 422),
    ({"text": "ok", "channel": "fax"}, 422),
    ({"txt": "hello"}, 422),
    ({"text": "x" * 10_001}, 413),
]


@pytest.mark.parametrize(("body", "status"), BAD)
def test_bad_input(agent_server, body, status):
    response = httpx.post(
        f"{agent_server.url}/v1/classify", json=body, headers={"authorization": "Bearer k1"}
    )
    assert response.status_code == status, response.text
    assert "detail" in response.json()
    assert "x" * 100 not in response.text, "input must not be echoed back"


def test_malformed_json_and_auth(agent_server):
    url = f"{agent_server.url}/v1/classify"
    broken = httpx.post(
        url,
        content=b'{"text": "unterminated',
        headers={"authorization": "Bearer k1", "content-type": "application/json"},
    )
    assert broken.status_code == 422
    assert httpx.post(url, json={"text": ENGLISH}).status_code == 401
    assert (
        httpx.post(
            url, json={"text": ENGLISH}, headers={"authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    batch = httpx.post(
        f"{agent_server.url}/v1/classify/batch",
        json={"tickets": []},
        headers={"authorization": "Bearer k1"},
    )
    assert batch.status_code == 422
    too_many = {"tickets": [{"text": "a"}] * 65}
    assert (
        httpx.post(
            f"{agent_server.url}/v1/classify/batch",
            json=too_many,
            headers={"authorization": "Bearer k1"},
        ).status_code
        == 413
    )


def test_escalation_when_svm_unsure(svm_server, transformer_server, tmp_path):
    server = agent(tmp_path, svm_server.url, transformer_server.url, svm_threshold="1.01").start()
    try:
        body = classify(server, ENGLISH).json()
        assert body["route"]["decision"] == "escalated"
        assert body["model"] == "callcenter-transformer"
        codes = [r["code"] for r in body["route"]["reasons"]]
        # ...and no registry: no calibrated band, so a person reviews it.
        assert codes == ["simple", "low_confidence", "uncalibrated"]
        assert body["band"] == "review"
        metrics = httpx.get(f"{server.url}/metrics").text
        assert "callcenter_agent_escalations_total 1.0" in metrics
    finally:
        server.stop()


def test_fallback_and_both_down(trained, tmp_path):
    svm = predictor("svm", str(trained / "models" / "svm"), tmp_path).start()
    transformer = predictor(
        "transformer", str(trained / "models" / "transformer"), tmp_path
    ).start()
    server = agent(tmp_path, svm.url, transformer.url, transformer_timeout_s="3").start()
    try:
        assert classify(server, FRENCH).json()["model"] == "callcenter-transformer"
        transformer.kill()
        body = classify(server, FRENCH).json()
        assert body["model"] == "callcenter-svm"
        assert body["route"]["fallback"] is True
        assert [r["code"] for r in body["route"]["reasons"]][-2:] == ["fallback", "uncalibrated"]
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        svm.kill()
        down = classify(server, ENGLISH)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "5"
        assert httpx.get(f"{server.url}/readyz").status_code == 503
        svm.start()
        recovered = classify(server, ENGLISH)
        assert recovered.status_code == 200, recovered.text
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'callcenter_agent_fallbacks_total{unavailable_model="transformer"}' in metrics
        assert json.loads(recovered.text)["model"] == "callcenter-svm"
    finally:
        for s in (server, svm, transformer):
            s.stop()


def registry_agent(proxies, mlflow_server: str, tmp):
    """A fresh agent over the recording proxies: it reads the registry's tags as they are now."""
    svm, transformer = proxies
    return agent(tmp, svm.url, transformer.url, mlflow_tracking_uri=mlflow_server).start()


def test_policy_follows_the_version_that_answered(proxies, mlflow_server, tmp_path_factory):
    """Production moves to v2 while the predictors still serve v1 (a rollout in progress): the
    agent applies v1's calibrated threshold to v1's answers, not production's."""
    client = MlflowClient(mlflow_server)
    name = "callcenter-svm"
    serving = client.get_model_version_by_alias(name, "production")
    newer = client.create_model_version(
        name,
        source=serving.source,
        run_id=serving.run_id,
        tags={**serving.tags, "router.svm_threshold": "0.0123", "router.long_words": "120"},
    )
    client.set_registered_model_alias(name, "production", newer.version)
    front = registry_agent(proxies, mlflow_server, tmp_path_factory.mktemp("agent-rollout"))
    try:
        wanted = f"calibrated for {name} v{serving.version}"
        rationale = ""
        deadline = time.monotonic() + 30  # the answering version's tags load in the background
        while wanted not in rationale and time.monotonic() < deadline:
            body = httpx.post(f"{front.url}/v1/classify", json={"text": ENGLISH}, timeout=30).json()
            assert body["model_version"] == serving.version
            rationale = body["route"]["rationale"]
            time.sleep(0.1)
        assert wanted in rationale, rationale
        threshold = float(serving.tags["router.svm_threshold"])
        assert f"{threshold:.2f} (" in rationale and "0.01 (" not in rationale
        # Production's threshold is still what the metrics report for the alias.
        line = next(
            x
            for x in httpx.get(f"{front.url}/metrics").text.splitlines()
            if x.startswith("callcenter_agent_svm_threshold ")
        )
        assert float(line.split()[1]) == pytest.approx(0.0123)
    finally:
        front.stop()
        client.set_registered_model_alias(name, "production", serving.version)
        client.delete_model_version(name, newer.version)


@pytest.fixture(scope="module")
def limited_agent(proxies, tmp_path_factory):
    """The real agent with two keys, a small rate limit and a small body limit."""
    svm, transformer = proxies
    server = agent(
        tmp_path_factory.mktemp("limited"),
        svm.url,
        transformer.url,
        api_keys="old-key,new-key",
        rate_limit="4/minute",
        max_body_bytes="65536",
    ).start()
    yield server
    server.stop()


def metric(server, name: str, **labels: str) -> float:
    """One sample of the agent's /metrics (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in httpx.get(f"{server.url}/metrics").text.splitlines():
        if line.startswith(f"{name}{{") and line.split("}")[0] == f"{name}{{{wanted}":
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_two_keys_rate_limit_per_key_and_every_refusal_counted(limited_agent):
    url = f"{limited_agent.url}/v1/classify"
    counted = {
        outcome: metric(
            limited_agent,
            "callcenter_agent_requests_total",
            endpoint="/v1/classify",
            outcome=outcome,
        )
        for outcome in ("ok", "rate_limited", "unauthorized", "invalid")
    }
    timed = metric(limited_agent, "callcenter_agent_request_seconds_count", endpoint="/v1/classify")
    old = {"authorization": "Bearer old-key"}
    statuses = [httpx.post(url, json={"text": ENGLISH}, headers=old).status_code for _ in range(4)]
    assert statuses == [200] * 4  # both keys work at once: a key rotates without downtime
    refused = httpx.post(url, json={"text": ENGLISH}, headers=old)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "4/minute" in refused.json()["detail"]
    # The limit is per key: the other key still has its own budget.
    new = httpx.post(url, json={"text": ENGLISH}, headers={"authorization": "Bearer new-key"})
    assert new.status_code == 200
    assert httpx.post(url, json={"text": ENGLISH}).status_code == 401
    assert (
        httpx.post(url, json={"txt": 1}, headers={"authorization": "Bearer new-key"}).status_code
        == 422
    )
    expected = {"ok": 5, "rate_limited": 1, "unauthorized": 1, "invalid": 1}
    for outcome, n in expected.items():
        now = metric(
            limited_agent,
            "callcenter_agent_requests_total",
            endpoint="/v1/classify",
            outcome=outcome,
        )
        assert now - counted[outcome] == n, outcome
    # Every answer is timed, refusals included: latency alerts see the whole traffic.
    now = metric(limited_agent, "callcenter_agent_request_seconds_count", endpoint="/v1/classify")
    assert now - timed == 8


def test_a_huge_body_is_refused_before_it_is_read(limited_agent):
    """50 MB announced, 1 MB sent: the 413 comes back without the agent waiting for the rest."""
    before = metric(
        limited_agent,
        "callcenter_agent_requests_total",
        endpoint="/v1/classify",
        outcome="too_large",
    )
    answer = answer_to_a_huge_body(
        limited_agent.url, "/v1/classify", "Authorization: Bearer new-key\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    after = metric(
        limited_agent,
        "callcenter_agent_requests_total",
        endpoint="/v1/classify",
        outcome="too_large",
    )
    assert after == before + 1

    # A body that says nothing of its length (chunked) is counted as it streams in.
    def chunks():
        for _ in range(40):
            yield b"x" * 4096

    chunked = httpx.post(
        f"{limited_agent.url}/v1/classify",
        content=chunks(),
        headers={"authorization": "Bearer new-key", "content-type": "application/json"},
    )
    assert chunked.status_code == 413


@pytest.fixture
def blend_weight_03(mlflow_server):
    """Production's SVM version blends at 0.3 on non-English tickets (0.1 on English ones) for
    one test, then its tags are as they were."""
    client = MlflowClient(mlflow_server)
    name = "callcenter-svm"
    serving = client.get_model_version_by_alias(name, "production")
    weights = {"router.blend_weight": "0.1", "router.blend_weight_non_english": "0.3"}
    before = {tag: serving.tags.get(tag) for tag in weights}
    for tag, weight in weights.items():
        client.set_model_version_tag(name, serving.version, tag, weight)
    yield
    for tag, value in before.items():
        if value is None:
            client.delete_model_version_tag(name, serving.version, tag)
        else:
            client.set_model_version_tag(name, serving.version, tag, value)


def test_transformer_answers_blend_both_models_at_the_svm_versions_weight(
    proxies, mlflow_server, tmp_path_factory, blend_weight_03
):
    """With `router.blend_weight_non_english` on the serving SVM version, a French ticket
    (routed to the transformer) is answered by that mix of both models' probabilities, as each
    model gives them alone, not at the English weight, and the rationale says so; the same
    ticket forced to one model is not blended."""
    front = registry_agent(proxies, mlflow_server, tmp_path_factory.mktemp("agent-blend"))
    try:
        body: dict = {}
        deadline = time.monotonic() + 30  # production's tags load at start, in the background
        while time.monotonic() < deadline:
            body = classify(front, FRENCH, top_k=8).json()
            if "blend" in [r["code"] for r in body["route"]["reasons"]]:
                break
            time.sleep(0.1)
        assert "SVM 0.30, transformer 0.70" in body["route"]["rationale"], body["route"]
        assert body["model"] == "callcenter-transformer"
        alone = {
            kind: {
                t["category"]: t["probability"]
                for t in classify(front, FRENCH, top_k=8, force_model=kind).json()["top_k"]
            }
            for kind in ("svm", "transformer")
        }
        mixed = {t["category"]: t["probability"] for t in body["top_k"]}
        assert set(mixed) == set(alone["svm"]) == set(alone["transformer"])
        for category, p in mixed.items():
            expected = 0.3 * alone["svm"][category] + 0.7 * alone["transformer"][category]
            assert p == pytest.approx(expected, abs=2e-4), category
        assert body["category"] == max(mixed, key=mixed.get)
        assert body["confidence"] == pytest.approx(max(mixed.values()), abs=1e-4)
        # The SVM's own view of a ticket it did not answer is in the route.
        assert body["route"]["svm_category"] == max(alone["svm"], key=alone["svm"].get)
    finally:
        front.stop()


def test_with_a_blend_the_svm_answer_stands_in_when_the_transformer_is_down(
    proxies, mlflow_server, tmp_path, blend_weight_03
):
    """The SVM's companion answer to a ticket routed to the transformer is the fallback: no second
    SVM call (one body per ticket reaches it), and the route still carries the SVM's view."""
    svm, _ = proxies
    nothing_there = f"http://127.0.0.1:{free_port()}"  # a transformer that is down
    front = agent(tmp_path, svm.url, nothing_there, mlflow_tracking_uri=mlflow_server).start()
    try:
        body: dict = {}
        deadline = time.monotonic() + 30  # production's tags (the weight) load in the background
        while time.monotonic() < deadline:
            sent = len(svm.bodies)
            body = classify(front, FRENCH).json()
            if body["route"]["svm_category"] is not None:
                break
            time.sleep(0.1)
        assert body["route"]["svm_category"] is not None, body["route"]
        assert body["model"] == "callcenter-svm"
        assert body["route"]["fallback"] is True
        assert "fallback" in [r["code"] for r in body["route"]["reasons"]]
        assert len(svm.bodies) - sent == 1
    finally:
        front.stop()
