"""Fixtures for the rollout operator's integration tests.

The Kubernetes API in these tests is EMULATED (kmock, in memory); MLflow is a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from devtools.harness import free_port
from rollout.operator import run
from rollout.settings import RolloutSettings
from tests.rollout.harness import NS, Api, FakeKServe, FakePredictor, declare_resources

# MLflow only delivers webhooks to https URLs on public addresses unless told otherwise; the
# operator under test listens on loopback over http. Set before the session's MLflow server starts
# (pytest imports every conftest before running any fixture). The webhook list cache is shortened
# so that a webhook registered mid-session is used at once.
os.environ.setdefault("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "http,https")
os.environ.setdefault("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")
os.environ.setdefault("MLFLOW_WEBHOOK_CACHE_TTL", "1")


@dataclass
class Cluster:
    kmock: Any
    api: Api
    kserve: FakeKServe
    predictor: FakePredictor
    url: str


@pytest_asyncio.fixture(loop_scope="session")
async def cluster(kmock) -> AsyncIterator[Cluster]:
    """An emulated API server (kmock) with the CRDs declared, fake KServe and a fake predictor."""
    declare_resources(kmock)
    url = str(kmock.url)
    api = Api(url)
    await api.create("v1/namespaces", {"metadata": {"name": NS}})
    kserve = FakeKServe(kmock, api).start()
    predictor = await FakePredictor(kserve.serving.get).start(free_port())
    yield Cluster(kmock, api, kserve, predictor, url)
    await kserve.stop()
    await predictor.stop()
    await api.close()


def operator_settings(cluster: Cluster, mlflow_uri: str, **overrides: Any) -> RolloutSettings:
    values: dict[str, Any] = {
        "mlflow_tracking_uri": mlflow_uri,
        "kube_server": cluster.url,
        "namespace": NS,
        "tick_s": 0.2,
        "registry_poll_s": 0.5,
        "predictor_url_template": cluster.predictor.url + "/{predictor}",
        "probe_requests": 2,
        "host": "127.0.0.1",
        "port": free_port(),
        "health_port": free_port(),
        "lease_duration_s": 2,
        "identity": "test-operator",
    }
    values.update(overrides)
    return RolloutSettings(**values)


@contextlib.asynccontextmanager
async def running(settings: RolloutSettings) -> AsyncIterator[asyncio.Task]:
    """The real kopf operator in-process; stopped (and awaited) on exit."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run(settings, stop_flag=stop, ready_flag=ready))
    try:
        await asyncio.wait_for(ready.wait(), 20)
        yield task
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 20)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
