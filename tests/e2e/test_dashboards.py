"""Every dashboard panel's PromQL, run against the stack's real Prometheus after real traffic.

The traffic covers each path a panel shows: English/French/Arabic tickets, personal data, an
invalid request, a forced fallback (the transformer stopped, then started again) and a reviewer
confirming an answer from the review store.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from observability.dashboards import render
from tests.conftest import ROOT
from tests.e2e.conftest import url

TICKETS = [
    "laptop screen broken please replace",
    "please reset my password, locked out",
    "Bonjour, je n'arrive plus à me connecter à ma messagerie depuis ce matin.",
    "مرحبا، لا أستطيع الدخول إلى حسابي منذ الصباح، أرجو إعادة تعيين كلمة المرور.",
    "Hi, this is John Smith, call me on +44 20 7946 0958 about my broken docking station.",
]


@pytest.fixture(scope="module")
def traffic(stack_env):
    agent = url(stack_env, "AGENT_PORT")
    ctl = [
        str(Path(sys.executable).with_name("supervisorctl")),
        "-c",
        str(ROOT / "local" / "supervisord.conf"),
    ]
    with httpx.Client(base_url=agent, timeout=60) as http:
        for text in TICKETS * 2:
            answer = http.post("/v1/classify", json={"text": text})
            assert answer.status_code == 200
        # A reviewer confirms the last answer once the store has it (written after the reply).
        rid, category = answer.json()["request_id"], answer.json()["category"]
        deadline = time.monotonic() + 30
        while http.get(f"/v1/review/{rid}").status_code != 200:
            assert time.monotonic() < deadline, "the answer never reached the review store"
            time.sleep(0.2)
        confirmed = http.post("/v1/feedback", json={"request_id": rid, "category": category})
        assert confirmed.status_code == 200, confirmed.text
        assert http.post("/v1/classify", json={"text": " "}).status_code == 422
        subprocess.run(
            [*ctl, "stop", "transformer"], env=stack_env, check=True, capture_output=True
        )
        fallback = http.post("/v1/classify", json={"text": TICKETS[2]}).json()
        assert fallback["route"]["fallback"] is True
        subprocess.run(
            [*ctl, "start", "transformer"], env=stack_env, check=True, capture_output=True
        )
        deadline = time.monotonic() + 180
        while (
            http.post("/v1/classify", json={"text": TICKETS[3]}).json()["model"]
            != "callcenter-transformer"
        ):
            assert time.monotonic() < deadline, "transformer did not come back"
            time.sleep(1)
    return url(stack_env, "PROMETHEUS_PORT")


def queries() -> list[tuple[str, str, str]]:
    found = []
    for name, text in render().items():
        for p in json.loads(text)["panels"]:
            for t in p["targets"]:
                found.append((name, p["title"], t["expr"]))
    return found


@pytest.mark.parametrize(
    ("board", "title", "expr"), queries(), ids=[f"{b}:{t}" for b, t, _ in queries()]
)
def test_panel_query_returns_data(traffic, board, title, expr):
    """Polls: a rate needs two scrapes (5 s apart in the stack) after the traffic."""
    deadline = time.monotonic() + 60
    while True:
        response = httpx.get(f"{traffic}/api/v1/query", params={"query": expr}, timeout=30).json()
        assert response["status"] == "success", response
        if response["data"]["result"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert response["data"]["result"], f"{board} / {title}: no data for {expr}"
