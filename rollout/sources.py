"""Collects the health observations of a version being baked (network side of rollout.health)."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import aiohttp

from rollout.health import (
    HealthReport,
    HealthSample,
    ProbeResult,
    add_probes,
    probe_sample,
    prometheus_sample,
    scrape_sample,
    snapshot,
)
from rollout.model import RolloutSpec, RolloutStatus, seconds_since
from rollout.settings import RolloutSettings

log = logging.getLogger("rollout.sources")


async def probe(
    session: aiohttp.ClientSession,
    base_url: str,
    model: str,
    input_name: str,
    text: str,
    timeout_s: float,
    expect_version: str | None,
) -> ProbeResult:
    """One v2 (Open Inference Protocol) inference request; checks the answering version."""
    body = {"inputs": [{"name": input_name, "shape": [1], "datatype": "BYTES", "data": [text]}]}
    started = time.perf_counter()
    try:
        async with session.post(
            f"{base_url.rstrip('/')}/v2/models/{model}/infer",
            json=body,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as resp:
            payload = await resp.json(content_type=None) if resp.status < 500 else None
            latency = time.perf_counter() - started
            if resp.status != 200:
                return ProbeResult(False, latency, f"HTTP {resp.status}")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return ProbeResult(False, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    if not isinstance(payload, dict) or not payload.get("outputs"):
        return ProbeResult(False, latency, "answer without outputs")
    answered = payload.get("model_version")
    if expect_version is not None and answered not in (None, "", expect_version):
        return ProbeResult(False, latency, f"answered by version {answered}, not {expect_version}")
    return ProbeResult(True, latency)


async def scrape(session: aiohttp.ClientSession, url: str, timeout_s: float) -> str | None:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
            if resp.status != 200:
                return None
            return await resp.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.debug("scrape %s failed: %s", url, exc)
        return None


async def prom_query(
    session: aiohttp.ClientSession, base: str, query: str, timeout_s: float
) -> float | None:
    """The first value of an instant query (None when there is no data or no answer)."""
    try:
        async with session.get(
            f"{base.rstrip('/')}/api/v1/query",
            params={"query": query},
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as resp:
            data = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("Prometheus query failed: %s", exc)
        return None
    result = ((data or {}).get("data") or {}).get("result") or []
    if not result:
        return None
    try:
        return float(result[0]["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


class Sampler:
    def __init__(self, settings: RolloutSettings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.session = session

    def fields(self, spec: RolloutSpec, namespace: str, predictor: str, version: str | None):
        return {
            "namespace": namespace,
            "predictor": predictor,
            "isvc": spec.inference_service,
            "model": spec.v2_name,
            "version": version or "",
        }

    async def sample(
        self,
        spec: RolloutSpec,
        status: RolloutStatus,
        namespace: str,
        predictor: str,
        now: datetime,
    ) -> HealthReport:
        s = self.settings
        state: dict[str, Any] = dict(status.health or {})
        samples: list[HealthSample] = []
        fields = self.fields(spec, namespace, predictor, status.target_version)
        base_url = s.predictor_url_template.format(**fields)
        if s.probe_enabled and s.probe_requests > 0:
            results = [
                await probe(
                    self.session,
                    base_url,
                    spec.v2_name,
                    s.probe_input,
                    s.probe_text,
                    s.probe_timeout_s,
                    status.target_version,
                )
                for _ in range(s.probe_requests)
            ]
            state["probe"] = add_probes(
                state.get("probe"), results, spec.strategy.max_latency_ms / 1000
            )
            samples.append(probe_sample(state["probe"]))
        if s.prometheus_url:
            window = max(1, int(seconds_since(status.bake_started_at, now)))
            q = {**fields, "window": window}
            requests = await prom_query(
                self.session, s.prometheus_url, s.prometheus_requests_query.format(**q), 10
            )
            errors = await prom_query(
                self.session, s.prometheus_url, s.prometheus_errors_query.format(**q), 10
            )
            p95 = await prom_query(
                self.session, s.prometheus_url, s.prometheus_latency_query.format(**q), 10
            )
            samples.append(prometheus_sample(requests, errors, p95))
        elif s.scrape_enabled:
            text = await scrape(self.session, base_url.rstrip("/") + s.scrape_path, 5)
            if text is not None:
                current = snapshot(text, s.latency_metric, s.errors_metric, spec.v2_name)
                sample, state["scrape"] = scrape_sample(state.get("scrape"), current)
                samples.append(sample)
        return HealthReport(tuple(samples), state)
