"""Async v2 client for one predictor: pooled keep-alive, timeout, one retry, circuit breaker.

A plain httpx client keeps the agent image free of the KServe SDK (pandas, grpc); the wire format
is the Open Inference Protocol, the same the SDK speaks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from circuitbreaker import CircuitBreaker, CircuitBreakerError

from agent.metrics import PREDICTOR_LATENCY, PREDICTOR_UP


class PredictorUnavailable(RuntimeError):
    """The predictor cannot answer now (down, timing out, circuit open); the reason says which."""


class PredictorRefused(RuntimeError):
    """The predictor answered 4xx: the input is at fault, not the predictor."""


@dataclass(frozen=True)
class Answer:
    labels: list[str]
    confidences: list[float]
    model: str
    version: str


_TRANSIENT = (httpx.TransportError, PredictorUnavailable)


class PredictorClient:
    def __init__(
        self,
        kind: str,
        base_url: str,
        model_name: str,
        timeout_s: float,
        http: httpx.AsyncClient,
        failures: int = 3,
        reset_s: float = 10.0,
    ) -> None:
        self.kind = kind
        self.model_name = model_name
        self.url = f"{base_url.rstrip('/')}/v2/models/{model_name}"
        self.timeout = timeout_s
        self.http = http
        self.breaker = CircuitBreaker(
            failure_threshold=failures,
            recovery_timeout=reset_s,
            expected_exception=_TRANSIENT,
            name=kind,
        )

    @property
    def circuit_open(self) -> bool:
        return self.breaker.opened

    async def infer(self, texts: list[str]) -> Answer:
        started = time.perf_counter()
        try:
            return await self.breaker.call_async(self._infer_once_retrying, texts)
        except CircuitBreakerError:
            raise PredictorUnavailable(
                f"{self.kind} circuit open after repeated failures"
            ) from None
        except httpx.TimeoutException:
            raise PredictorUnavailable(f"{self.kind} timed out after {self.timeout} s") from None
        except httpx.TransportError as exc:
            raise PredictorUnavailable(f"{self.kind} unreachable ({type(exc).__name__})") from None
        finally:
            PREDICTOR_LATENCY.labels(self.kind).observe(time.perf_counter() - started)
            PREDICTOR_UP.labels(self.kind).set(0 if self.breaker.opened else 1)

    async def _infer_once_retrying(self, texts: list[str]) -> Answer:
        body = {
            "inputs": [{"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}]
        }
        try:
            response = await self.http.post(f"{self.url}/infer", json=body, timeout=self.timeout)
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
            # A connection that died (restart, idle keep-alive closed) deserves one more try.
            response = await self.http.post(f"{self.url}/infer", json=body, timeout=self.timeout)
        if response.status_code >= 500:
            raise PredictorUnavailable(f"{self.kind} answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PredictorRefused(_error_text(response))
        payload = response.json()
        outputs = {o["name"]: o["data"] for o in payload["outputs"]}
        return Answer(
            labels=[str(x) for x in outputs["label"]],
            confidences=[float(x) for x in outputs["confidence"]],
            model=payload.get("model_name", self.model_name),
            version=str(payload.get("model_version") or ""),
        )

    async def ready(self) -> bool:
        try:
            response = await self.http.get(f"{self.url}/ready", timeout=min(self.timeout, 2.0))
        except httpx.HTTPError:
            return False
        return response.status_code == 200


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text
