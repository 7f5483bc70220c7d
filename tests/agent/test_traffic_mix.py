"""The desk's category mix (agent/traffic_mix.py): estimated from the review store per band,
and applied by the real agent to answers of versions that carry a training prior."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from mlflow import MlflowClient

from agent.store import MixCounts, ReviewStore, Stored
from agent.traffic_mix import Estimate, TrafficMix
from contract.prior import TAG_PRIOR, parse_prior
from tests.agent.test_review import poll
from tests.conftest import agent

LABELS = ["Access", "Hardware", "Purchase"]


def test_the_review_band_counts_for_itself_scaled_to_its_size():
    """People reviewed 2 of the 10 review-band answers; the 5 auto answers count as answered
    (or as a reviewer corrected them)."""
    found = MixCounts(auto={"Hardware": 4, "Access": 1}, review_total=10, reviewed={"Purchase": 2})
    estimate = Estimate.of(found)
    assert estimate.counts == {"Hardware": 4.0, "Access": 1.0, "Purchase": 10.0}
    assert (estimate.reviewed, estimate.auto) == (2, 5)
    nothing = Estimate.of(MixCounts(auto={"Hardware": 3}, review_total=4, reviewed={}))
    assert nothing.counts == {"Hardware": 3.0} and nothing.reviewed == 0


def test_store_counts_per_band_with_a_reviewers_category_first(store_url):
    """On SQLite and on a real PostgreSQL server; the database may hold other tests' answers,
    so what is checked is what these rows add."""
    store = ReviewStore(store_url)
    store.migrate()
    before = store.mix_counts()
    prefix = f"mix{time.time_ns()}-"

    def row(n: int, category: str, band: str) -> Stored:
        return Stored(f"{prefix}{n}", "m", "1", category, 0.9, band, "x", "en", LABELS, "text")

    store.record(
        [
            row(1, "Hardware", "auto"),
            row(2, "Hardware", "auto"),
            row(3, "Access", "review"),
            row(4, "Access", "review"),
            row(5, "Hardware", "review"),
        ]
    )
    store.feedback(f"{prefix}2", "Purchase", None)  # a spot check corrected an auto answer
    store.feedback(f"{prefix}3", "Purchase", None)
    store.feedback(f"{prefix}5", "Hardware", None)
    after = store.mix_counts()

    def added(old: dict, new: dict) -> dict:
        return {c: new[c] - old.get(c, 0) for c in new if new[c] != old.get(c, 0)}

    assert added(before.auto, after.auto) == {"Hardware": 1, "Purchase": 1}
    assert after.review_total - before.review_total == 3
    assert added(before.reviewed, after.reviewed) == {"Purchase": 1, "Hardware": 1}
    store.close()


def test_the_mix_is_used_only_once_enough_is_reviewed(tmp_path):
    store = ReviewStore(f"sqlite:///{tmp_path}/review.db")
    mix = TrafficMix(store, min_reviews=2, pseudo_count=0, refresh_s=60)
    mix.estimate = Estimate({"Purchase": 3.0}, reviewed=1, auto=0)
    assert mix.active is None and mix.mix_for({"Purchase": 0.5, "Access": 0.5}) is None
    mix.estimate = Estimate({"Purchase": 3.0}, reviewed=2, auto=0)
    assert mix.mix_for({"Purchase": 0.5, "Access": 0.5}) == {"Purchase": 1.0, "Access": 0.0}


TICKETS = [
    "Bonjour, mon imprimante ne fonctionne plus depuis ce matin.",
    "Bonjour, je voudrais commander un nouvel écran pour mon poste.",
    "مرحبا، لا أستطيع الدخول إلى حسابي منذ الصباح",
    "Bonjour, merci de me donner accès au dossier partagé du projet.",
    "مرحبا، أحتاج إلى شراء لوحة مفاتيح جديدة",
    "Bonjour, le disque de mon ordinateur portable est plein.",
]


@pytest.fixture(scope="module")
def mix_agent(registry_predictors, mlflow_server, tmp_path_factory):
    svm, transformer = registry_predictors
    server = agent(
        tmp_path_factory.mktemp("agent-mix"),
        svm.url,
        transformer.url,
        mlflow_tracking_uri=mlflow_server,
        store_url=f"sqlite:///{tmp_path_factory.mktemp('store')}/review.db",
        traffic_mix_min_reviews="3",
        traffic_mix_refresh_s="0.5",
    ).start()
    yield server
    server.stop()


def classify(server, text: str, request_id: str) -> dict:
    response = httpx.post(
        f"{server.url}/v1/classify",
        json={"text": text, "top_k": 8},
        headers={"x-request-id": request_id},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def share(answer: dict, category: str) -> float:
    return next(c["probability"] for c in answer["top_k"] if c["category"] == category)


def review(server, request_id: str, category: str) -> None:
    poll(lambda: httpx.get(f"{server.url}/v1/review/{request_id}").status_code == 200)
    response = httpx.post(
        f"{server.url}/v1/feedback", json={"request_id": request_id, "category": category}
    )
    assert response.status_code == 200, response.text


def test_reviewed_tickets_move_the_answers_onto_the_desks_mix(mix_agent, mlflow_server):
    """Every answer in the review band (non-English: the tiny transformer's), three reviewed as
    Purchase: from then on answers say they were moved, and Purchase weighs more in them."""
    client = MlflowClient(mlflow_server)
    for kind in ("svm", "transformer"):
        tags = client.get_model_version_by_alias(f"callcenter-{kind}", "production").tags
        parse_prior(tags[TAG_PRIOR])  # the register stage recorded each version's prior
    run = f"mix{time.time_ns()}"
    probe = TICKETS[0]
    # The agent loads the answering versions' tags in the background: poll until it has.
    poll(
        lambda: (
            "no calibrated band"
            not in classify(mix_agent, probe, f"{run}-probe-{time.time_ns()}")["route"]["reasons"][
                -1
            ]["detail"]
        )
    )
    answers = [classify(mix_agent, text, f"{run}-{i}") for i, text in enumerate(TICKETS)]
    in_review = [a["request_id"] for a in answers if a["band"] == "review"]
    assert len(in_review) >= 3, [a["band"] for a in answers]
    state = httpx.get(f"{mix_agent.url}/v1/traffic-mix").json()
    assert state["active"] is False and state["min_reviews"] == 3
    for request_id in in_review[:2]:
        review(mix_agent, request_id, "Purchase")
    still = classify(mix_agent, probe, f"{run}-still")
    assert "traffic_mix" not in [r["code"] for r in still["route"]["reasons"]]
    review(mix_agent, in_review[2], "Purchase")
    state = poll(lambda: (s := httpx.get(f"{mix_agent.url}/v1/traffic-mix").json())["active"] and s)
    assert state["reviewed"] == 3 and max(state["mix"], key=state["mix"].get) == "Purchase"
    after = classify(mix_agent, probe, f"{run}-after")
    codes = [r["code"] for r in after["route"]["reasons"]]
    assert "traffic_mix" in codes and codes[-1] in {
        "confident",
        "low_confidence",
        "unfamiliar",
        "uncalibrated",
        "disagreement",
    }
    assert share(after, "Purchase") > share(still, "Purchase")
    assert after["confidence"] == pytest.approx(
        max(c["probability"] for c in after["top_k"]), abs=1e-4
    )
    body = httpx.get(f"{mix_agent.url}/metrics").text
    assert 'callcenter_agent_traffic_mix{category="Purchase"}' in body
    assert "callcenter_agent_traffic_mix_reviews 3.0" in body
    shown = subprocess.run(
        [sys.executable, "-m", "agent.cli", "mix", "--url", mix_agent.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "desk mix from 3 reviewed" in shown.stdout and "in use" in shown.stdout
    assert shown.stdout.splitlines()[1].endswith("Purchase")  # the largest share comes first
