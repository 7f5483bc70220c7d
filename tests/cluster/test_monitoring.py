"""Grafana of kube-prometheus-stack is reachable and has loaded the chart's dashboards."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

if os.environ.get("CCAI_CLUSTER_E2E") != "1":
    pytest.skip(
        "kind end-to-end test: runs only under `make kind-e2e` (CCAI_CLUSTER_E2E=1)",
        allow_module_level=True,
    )

import httpx

from tests.cluster.kube import ROOT

DASHBOARDS = ROOT / "charts" / "callcenterai" / "dashboards"


def test_grafana_reachable(grafana):
    url, _ = grafana
    response = httpx.get(f"{url}/api/health", timeout=10)
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_chart_dashboards_loaded(grafana):
    url, auth = grafana
    wanted = {json.loads(Path(p).read_text())["uid"] for p in DASHBOARDS.glob("*.json")}
    found: set[str] = set()
    deadline = time.monotonic() + 180  # the sidecar polls the ConfigMaps
    while time.monotonic() < deadline:
        response = httpx.get(f"{url}/api/search", params={"type": "dash-db"}, auth=auth, timeout=10)
        response.raise_for_status()
        found = {d["uid"] for d in response.json()}
        if wanted <= found:
            return
        time.sleep(5)
    pytest.fail(f"dashboards not loaded by Grafana: {sorted(wanted - found)}")
