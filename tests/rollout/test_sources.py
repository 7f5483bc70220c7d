"""Bake observations from Prometheus' HTTP API and from a predictor's /metrics (local servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from devtools.harness import free_port
from rollout.model import RolloutSpec, RolloutStatus, Strategy, ts
from rollout.settings import RolloutSettings
from rollout.sources import Sampler

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(60)]
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SPEC = RolloutSpec("callcenter-svm", "callcenter-svm", strategy=Strategy(max_latency_ms=500))


async def serve(routes: list[web.RouteDef]) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def baking_status(health=None) -> RolloutStatus:
    return RolloutStatus(
        phase="Baking",
        target_version="7",
        bake_started_at=ts(NOW - timedelta(seconds=90)),
        health=health or {},
    )


async def test_prometheus_queries_are_templated_and_judged():
    queries: list[str] = []
    answers = {"count": "240", "errors_total": "12", "bucket": "0.31"}

    async def query(request: web.Request) -> web.Response:
        q = request.query["query"]
        queries.append(q)
        value = next((v for k, v in answers.items() if k in q), None)
        result = [{"metric": {}, "value": [1.0, value]}] if value else []
        return web.json_response({"status": "success", "data": {"result": result}})

    runner, url = await serve([web.get("/api/v1/query", query)])
    settings = RolloutSettings(prometheus_url=url, probe_enabled=False)
    try:
        async with aiohttp.ClientSession() as session:
            report = await Sampler(settings, session).sample(
                SPEC, baking_status(), "callcenterai", "callcenter-svm-v7-predictor", NOW
            )
    finally:
        await runner.cleanup()
    (sample,) = report.samples
    assert (sample.source, sample.requests, sample.errors, sample.p95_s) == (
        "prometheus",
        240.0,
        12.0,
        0.31,
    )
    assert all('pod=~"callcenter-svm-v7-predictor-.*"' in q for q in queries)
    assert all('namespace="callcenterai"' in q and "[90s]" in q for q in queries)


def exposition(fast: int, slow: int) -> str:
    registry = CollectorRegistry()
    hist = Histogram("request_predict_seconds", "latency", ["model_name"], registry=registry)
    for _ in range(fast):
        hist.labels("callcenter-svm").observe(0.01)
    for _ in range(slow):
        hist.labels("callcenter-svm").observe(0.9)
    return generate_latest(registry).decode()


async def test_predictor_metrics_and_probes_when_there_is_no_prometheus():
    state = {"text": exposition(100, 0)}
    answered = []

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(text=state["text"])

    async def infer(request: web.Request) -> web.Response:
        body = await request.json()
        answered.append(body["inputs"][0])
        return web.json_response({"model_version": "7", "outputs": [{"name": "label"}]})

    runner, url = await serve(
        [
            web.get("/p/metrics", metrics),
            web.post("/p/v2/models/{model}/infer", infer),
        ]
    )
    settings = RolloutSettings(predictor_url_template=url + "/p", probe_requests=2)
    try:
        async with aiohttp.ClientSession() as session:
            sampler = Sampler(settings, session)
            first = await sampler.sample(SPEC, baking_status(), "ns", "x", NOW)
            state["text"] = exposition(150, 40)  # 50 fast and 40 slow requests since
            second = await sampler.sample(SPEC, baking_status(first.state), "ns", "x", NOW)
    finally:
        await runner.cleanup()
    probe, scrape = second.samples
    assert (probe.requests, probe.errors) == (4, 0)
    assert answered[0] == {"name": "text", "shape": [1], "datatype": "BYTES",
                           "data": ["my laptop screen is broken"]}  # fmt: skip
    assert scrape.requests == 90 and scrape.errors is None
    assert scrape.p95_s is not None and scrape.p95_s > 0.5
    assert second.state["scrape"]["count"] == 100  # the baseline stays put
