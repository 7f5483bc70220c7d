"""The local stack started exactly as `make up` does (local/stack.py, supervisor), on free ports.

Models are the sample-trained ones of the session, registered into the stack's own MLflow.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

from contract.routing import Policy
from devtools.router_replay import blended_ok, replay
from pipelines.prepare import read_split
from tests.conftest import ROOT
from tests.e2e.conftest import stack, url

FRENCH = "Bonjour, je n'arrive plus à me connecter à ma messagerie depuis ce matin. Merci."


def test_up_again_reports_running_and_status_is_ready(stack_env):
    again = stack(stack_env, "up")
    assert again.returncode == 0
    assert again.stdout.count("already running") == 5
    status = stack(stack_env, "status")
    assert status.returncode == 0, status.stdout
    assert status.stdout.count("RUNNING") == 5


def test_accuracy_through_the_agent_matches_offline(stack_env, trained):
    texts, truth = read_split(trained / "splits", "test")
    answers = []
    with httpx.Client(base_url=url(stack_env, "AGENT_PORT"), timeout=120) as http:
        for start in range(0, len(texts), 64):
            batch = [{"text": t} for t in texts[start : start + 64]]
            response = http.post("/v1/classify/batch", json={"tickets": batch})
            assert response.status_code == 200, response.text
            answers += [r["category"] for r in response.json()["results"]]
    live = float(np.mean(np.array(answers) == np.array(truth)))

    router = json.loads((trained / "metrics" / "router.json").read_text())
    svm = np.load(trained / "metrics" / "svm_test_probs.npz")
    offline = replay(
        texts,
        svm["probs"].max(1),
        svm["labels"][svm["probs"].argmax(1)] == svm["truth"],
        # Where the transformer answers, the agent blends in the SVM at the calibrated weight.
        blended_ok(router["blend_weight"], trained / "metrics"),
        Policy(router["svm_threshold"], router["long_words"]),
    )["accuracy"]
    assert abs(live - offline) <= 0.01, (live, offline)


def test_transformer_stopped_then_back(stack_env):
    ctl = [
        str(Path(sys.executable).with_name("supervisorctl")),
        "-c",
        str(ROOT / "local" / "supervisord.conf"),
    ]
    agent = url(stack_env, "AGENT_PORT")
    subprocess.run([*ctl, "stop", "transformer"], env=stack_env, check=True, capture_output=True)
    body = httpx.post(f"{agent}/v1/classify", json={"text": FRENCH}, timeout=30).json()
    assert body["model"] == "callcenter-svm"
    assert body["route"]["fallback"] is True
    subprocess.run([*ctl, "start", "transformer"], env=stack_env, check=True, capture_output=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        body = httpx.post(f"{agent}/v1/classify", json={"text": FRENCH}, timeout=30).json()
        if body["model"] == "callcenter-transformer":
            break
        time.sleep(1)
    assert body["model"] == "callcenter-transformer", "no recovery after restart"
    assert body["route"]["fallback"] is False


def test_prometheus_scrapes_every_component(stack_env):
    prometheus = url(stack_env, "PROMETHEUS_PORT")
    deadline = time.monotonic() + 60
    while True:
        targets = httpx.get(f"{prometheus}/api/v1/targets").json()["data"]["activeTargets"]
        health = {t["labels"]["job"]: t["health"] for t in targets}
        if set(health.values()) == {"up"} or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert health == {
        "callcenter-agent": "up",
        "callcenter-svm": "up",
        "callcenter-transformer": "up",
        "prometheus": "up",
    }


def test_cli_classifies_a_file_and_keeps_bad_rows(stack_env, tmp_path):
    source = tmp_path / "tickets.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows(
            [[1, "my laptop screen is broken"], [2, "   "], [3, FRENCH], [4, "x" * 20000]]
        )
    out = tmp_path / "out.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "classify",
            "--file",
            str(source),
            "--out",
            str(out),
            "--url",
            url(stack_env, "AGENT_PORT"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["category"] and not rows[0]["error"]
    assert rows[0]["band"] in {"auto", "review"} and rows[0]["request_id"]
    top = [item.split(":") for item in rows[0]["top_k"].split("|")]
    assert len(top) == 3 and top[0][0] == rows[0]["category"]
    assert "empty" in rows[1]["error"]
    assert "limit" in rows[3]["error"]
    assert "2 classified, 2 with errors" in result.stdout
