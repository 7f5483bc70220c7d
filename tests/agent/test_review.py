"""The review store and workflow through the real agent, on SQLite and on a real PostgreSQL server
(started by `postgres_server`): answers stored redacted, the queue, feedback with its errors,
retention, and classification that keeps answering when the database is down."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import text

from agent.store import AlreadyReviewed, ReviewStore, Stored, UnknownCategory, UnknownRequest
from tests.agent.test_agent import ENGLISH, PII_TICKET, SECRETS
from tests.conftest import agent

AUTH = {"authorization": "Bearer k1"}
LABELS = ["Access", "Hardware", "Storage"]


@pytest.fixture(scope="module")
def store_agent(store_url, svm_server, transformer_server, tmp_path_factory):
    server = agent(
        tmp_path_factory.mktemp("agent"),
        svm_server.url,
        transformer_server.url,
        api_keys="k1",
        store_url=store_url,
    ).start()
    yield server
    server.stop()


def poll(fn, timeout: float = 30.0):
    """fn() until it returns something truthy (the store is written after the answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"nothing after {timeout} s")


def metric(server, name: str, labels: str = "") -> float:
    body = httpx.get(f"{server.url}/metrics").text
    line = next((x for x in body.splitlines() if x.startswith(f"{name}{labels}")), None)
    return float(line.split()[-1]) if line else 0.0


def metric_sum(server, name: str) -> float:
    """Sum over every labelled series of a counter."""
    body = httpx.get(f"{server.url}/metrics").text
    return sum(float(x.split()[-1]) for x in body.splitlines() if x.startswith(name + "{"))


def stored_row(server, request_id: str):
    response = httpx.get(f"{server.url}/v1/review/{request_id}", headers=AUTH)
    return response.json() if response.status_code == 200 else None


def test_feedback_round_trip_and_nothing_unredacted(store_agent, store_url):
    headers = {**AUTH, "x-request-id": f"rt-{time.time_ns()}"}
    answer = httpx.post(
        f"{store_agent.url}/v1/classify", json={"text": PII_TICKET}, headers=headers, timeout=30
    ).json()
    rid = answer["request_id"]
    row = poll(lambda: stored_row(store_agent, rid))
    assert row["redacted_text"] == answer["pii"]["redacted_text"]
    assert (row["category"], row["band"], row["model"]) == (
        answer["category"],
        answer["band"],
        answer["model"],
    )
    assert row["feedback"] is None
    # Nothing of the original personal data is in the database, whatever table or column.
    store = ReviewStore(store_url)
    with store.engine.connect() as db:
        dump = " ".join(
            str(v)
            for table in ("answers", "feedback")
            for r in db.execute(text(f"SELECT * FROM {table}"))
            for v in r
        )
    store.close()
    assert not [s for s in SECRETS if s in dump], dump
    queue = httpx.get(
        f"{store_agent.url}/v1/review", params={"band": answer["band"]}, headers=AUTH
    ).json()
    assert rid in [i["request_id"] for i in queue["items"]]

    url = f"{store_agent.url}/v1/feedback"
    assert (
        httpx.post(
            url, json={"request_id": "nope", "category": "Hardware"}, headers=AUTH
        ).status_code
        == 404
    )
    unknown = httpx.post(url, json={"request_id": rid, "category": "Weather"}, headers=AUTH)
    assert unknown.status_code == 422 and "Weather" in unknown.json()["detail"][0]["reason"]
    other = next(c["category"] for c in answer["top_k"] if c["category"] != answer["category"])
    before = metric_sum(store_agent, "callcenter_agent_feedback_total")
    note = "wrong: John Smith says it is access, call +44 20 7946 0958"
    corrected = httpx.post(
        url, json={"request_id": rid, "category": other, "note": note}, headers=AUTH
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["feedback"]["verdict"] == "corrected"
    assert "John Smith" not in corrected.json()["feedback"]["note"]
    assert "7946 0958" not in corrected.json()["feedback"]["note"]
    again = httpx.post(url, json={"request_id": rid, "category": answer["category"]}, headers=AUTH)
    assert again.status_code == 409 and "replace" in again.json()["detail"]
    replaced = httpx.post(
        url,
        json={"request_id": rid, "category": answer["category"], "replace": True},
        headers=AUTH,
    )
    assert replaced.json()["feedback"]["verdict"] == "confirmed"
    assert stored_row(store_agent, rid)["feedback"]["category"] == answer["category"]
    reviewed = [
        r["request_id"]
        for r in httpx.get(
            f"{store_agent.url}/v1/review", params={"band": answer["band"]}, headers=AUTH
        ).json()["items"]
    ]
    assert rid not in reviewed  # reviewed answers leave the queue
    assert metric_sum(store_agent, "callcenter_agent_feedback_total") == before + 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"request_id": "", "category": "Hardware"}, 422),
        ({"request_id": "x", "category": "Hardware", "extra": 1}, 422),
        ({"request_id": "x", "category": "Hardware", "note": "n" * 2001}, 422),
        ({"category": "Hardware"}, 422),
    ],
)
def test_feedback_bad_input(store_agent, body, status):
    response = httpx.post(f"{store_agent.url}/v1/feedback", json=body, headers=AUTH)
    assert response.status_code == status
    assert "n" * 100 not in response.text


def test_review_needs_auth_and_valid_query(store_agent):
    assert httpx.get(f"{store_agent.url}/v1/review").status_code == 401
    assert (
        httpx.get(f"{store_agent.url}/v1/review", params={"band": "x"}, headers=AUTH).status_code
        == 422
    )
    assert (
        httpx.get(f"{store_agent.url}/v1/review", params={"limit": 0}, headers=AUTH).status_code
        == 422
    )


def test_store_rules_and_retention(store_url):
    store = ReviewStore(store_url)
    store.migrate()
    prefix = f"s{time.time_ns()}-"

    def row(n: int, category: str = "Hardware") -> Stored:
        return Stored(
            prefix + str(n),
            "m",
            "1",
            category,
            0.5,
            "review",
            "low_confidence",
            "en",
            LABELS,
            "<PERSON> printer",
        )

    store.record([row(1), row(2)])
    store.record([row(1, "Storage")])  # a retried request id keeps its first answer
    assert store.get(prefix + "1")["category"] == "Hardware"
    with pytest.raises(UnknownRequest):
        store.feedback(prefix + "9", "Hardware", None)
    with pytest.raises(UnknownCategory):
        store.feedback(prefix + "1", "Purchase", None)  # not a category of that model
    store.feedback(prefix + "1", "Access", None)
    with pytest.raises(AlreadyReviewed):
        store.feedback(prefix + "1", "Access", None)
    assert {r["request_id"]: r["label"] for r in store.reviewed()}[prefix + "1"] == "Access"
    # Only rows older than the retention go, with their feedback.
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with store.engine.begin() as db:
        db.execute(
            text("UPDATE answers SET created_at = :t WHERE request_id = :r"),
            {"t": old, "r": prefix + "1"},
        )
    assert store.purge(30) == 1
    assert store.get(prefix + "1") is None and store.get(prefix + "2") is not None
    assert prefix + "1" not in {r["request_id"] for r in store.reviewed()}
    store.close()


def test_classification_survives_the_database_going_down(
    postgres_server, svm_server, transformer_server, tmp_path
):
    server = agent(
        tmp_path, svm_server.url, transformer_server.url, store_url=postgres_server.url
    ).start()
    try:
        first = httpx.post(f"{server.url}/v1/classify", json={"text": ENGLISH}, timeout=30).json()
        poll(lambda: httpx.get(f"{server.url}/v1/review/{first['request_id']}").status_code == 200)
        postgres_server.stop()
        try:
            dropped = metric(server, "callcenter_agent_store_writes_total", '{outcome="dropped"}')
            response = httpx.post(f"{server.url}/v1/classify", json={"text": ENGLISH}, timeout=30)
            assert response.status_code == 200 and response.json()["category"]
            poll(
                lambda: (
                    metric(server, "callcenter_agent_store_writes_total", '{outcome="dropped"}')
                    > dropped
                )
            )
            queue = httpx.get(f"{server.url}/v1/review")
            assert queue.status_code == 503 and "unavailable" in queue.json()["detail"]
        finally:
            postgres_server.start()
        # Back up: writes go through again without restarting the agent.
        written = metric(server, "callcenter_agent_store_writes_total", '{outcome="written"}')
        httpx.post(f"{server.url}/v1/classify", json={"text": ENGLISH}, timeout=30)
        poll(
            lambda: (
                metric(server, "callcenter_agent_store_writes_total", '{outcome="written"}')
                > written
            )
        )
    finally:
        server.stop()


def test_without_a_store_the_review_endpoints_say_so(svm_server, transformer_server, tmp_path):
    server = agent(tmp_path, svm_server.url, transformer_server.url).start()
    try:
        response = httpx.get(f"{server.url}/v1/review")
        assert response.status_code == 503 and "CCAI_AGENT_STORE_URL" in response.json()["detail"]
        assert (
            httpx.post(f"{server.url}/v1/classify", json={"text": ENGLISH}, timeout=30).status_code
            == 200
        )
    finally:
        server.stop()


def test_cli_review_and_feedback(store_agent):
    answer = httpx.post(
        f"{store_agent.url}/v1/classify", json={"text": ENGLISH}, headers=AUTH, timeout=30
    ).json()
    rid = answer["request_id"]
    poll(lambda: stored_row(store_agent, rid))
    cli = [sys.executable, "-m", "agent.cli"]
    common = ["--url", store_agent.url, "--api-key", "k1"]
    listed = subprocess.run(
        [*cli, "review", "--band", "all", "--limit", "500", *common],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert rid in listed.stdout and "wait in the review band" in listed.stdout
    sent = subprocess.run(
        [*cli, "feedback", rid, answer["category"], *common],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stderr
    assert f"{rid}: confirmed as {answer['category']}" in sent.stdout
    # The same agent and key from the client's environment variables instead of flags.
    client_env = {**os.environ, "CCAI_CLIENT_URL": store_agent.url, "CCAI_CLIENT_API_KEY": "k1"}
    again = subprocess.run(
        [*cli, "feedback", rid, answer["category"]],
        env=client_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0 and "replace" in again.stderr
