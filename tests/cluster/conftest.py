"""Fixtures for the kind end-to-end tests (tests/cluster/): port-forwards to the deployed release.

Each test module skips itself unless CCAI_CLUSTER_E2E=1, which `make kind-e2e` sets after
deploying the chart to the kind cluster of `make kind-up`; a normal `pytest` run reports them as
skipped, never as passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.cluster.kube import ROOT, Cluster

RELEASE = os.environ.get("CCAI_K8S_RELEASE", "callcenterai")
VALUES_FILE = Path(
    os.environ.get("CCAI_K8S_VALUES", ROOT / "charts" / "callcenterai" / "ci" / "kind-values.yaml")
)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return Cluster.from_env()


@pytest.fixture(scope="session")
def api_key() -> str:
    """The test key the kind values give the agent (agent.apiKeys)."""
    keys = yaml.safe_load(VALUES_FILE.read_text())["agent"]["apiKeys"]
    return keys[0]


def _forward(cluster: Cluster, component: str, port: int) -> Iterator[str]:
    selector = f"app.kubernetes.io/instance={RELEASE},app.kubernetes.io/component={component}"
    with cluster.port_forward(cluster.service_name(selector), port) as url:
        yield url


@pytest.fixture(scope="session")
def agent_url(cluster: Cluster) -> Iterator[str]:
    yield from _forward(cluster, "agent", 80)


@pytest.fixture(scope="session")
def predictor_url(cluster: Cluster):
    """Factory: base URL of an InferenceService's predictor Service (<name>-predictor:80)."""
    opened = []

    def open_forward(name: str) -> str:
        context = cluster.port_forward(f"{name}-predictor", 80)
        opened.append(context)
        return context.__enter__()

    yield open_forward
    for context in opened:
        context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def grafana(cluster: Cluster) -> Iterator[tuple[str, tuple[str, str]]]:
    """Grafana of kube-prometheus-stack (namespace monitoring) and its admin credentials."""
    namespace = os.environ.get("CCAI_MONITORING_NAMESPACE", "monitoring")
    selector = "app.kubernetes.io/name=grafana"
    service = cluster.service_name(selector, namespace=namespace)
    secret = cluster.get("secret", service, namespace=namespace)["data"]
    import base64

    user = base64.b64decode(secret["admin-user"]).decode()
    password = base64.b64decode(secret["admin-password"]).decode()
    with cluster.port_forward(service, 80, namespace=namespace) as url:
        yield url, (user, password)
