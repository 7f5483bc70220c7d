"""Async v2 client for one predictor: pooled keep-alive, timeout, one retry, circuit breaker.

A plain aiohttp client keeps the agent image free of the KServe SDK (pandas, grpc); the wire
format is the Open Inference Protocol, the same the SDK speaks. aiohttp rather than httpx: its
C-accelerated HTTP stack costs a quarter of the CPU per call, and the agent's whole overhead on
the SVM path has a 3 ms budget.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import aiohttp
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
    # Absent from predictors older than the familiarity signal: the band is then `review`.
    familiarities: list[float] | None = None
    probabilities: list[list[float]] | None = None
    classes: list[str] | None = None
    keywords: list[list[str]] | None = None  # the SVM's deciding terms (JSON list per ticket)

    def row(self, k: int, probabilities: list[float]) -> Answer:
        """Row k as a one-row answer of this version with new probabilities over its classes
        (a blend, a desk's mix): the best of them is the label, and the keywords stay only if
        they still explain it."""
        classes = list(self.classes or [])
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        label = classes[best]
        kept = self.keywords is not None and label == self.labels[k]
        return Answer(
            labels=[label],
            confidences=[probabilities[best]],
            model=self.model,
            version=self.version,
            familiarities=[self.familiarities[k]] if self.familiarities is not None else None,
            probabilities=[probabilities],
            classes=classes,
            keywords=[self.keywords[k]] if kept else None,
        )


# What counts against the circuit breaker: the predictor's fault, not the input's.
_TRANSIENT = (aiohttp.ClientError, TimeoutError, PredictorUnavailable)
# A connection that died (predictor restart, idle keep-alive closed) deserves one more try.
_RETRYABLE = (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
_JSON = {"Content-Type": "application/json"}


class PredictorClient:
    def __init__(
        self,
        kind: str,
        base_url: str,
        model_name: str,
        timeout_s: float,
        http: aiohttp.ClientSession,
        failures: int = 3,
        reset_s: float = 10.0,
    ) -> None:
        self.kind = kind
        self.model_name = model_name
        self.url = f"{base_url.rstrip('/')}/v2/models/{model_name}"
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.http = http
        self._latency = PREDICTOR_LATENCY.labels(kind)  # the label lookup once, not per call
        self.breaker = CircuitBreaker(
            failure_threshold=failures,
            recovery_timeout=reset_s,
            expected_exception=_TRANSIENT,
            name=kind,
        )

    async def infer(self, texts: list[str]) -> Answer:
        started = time.perf_counter()
        try:
            return await self.breaker.call_async(self._infer_once_retrying, texts)
        except CircuitBreakerError:
            raise PredictorUnavailable(
                f"{self.kind} circuit open after repeated failures"
            ) from None
        except TimeoutError:
            raise PredictorUnavailable(
                f"{self.kind} timed out after {self.timeout.total} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise PredictorUnavailable(f"{self.kind} unreachable ({type(exc).__name__})") from None
        finally:
            self._latency.observe(time.perf_counter() - started)
            PREDICTOR_UP.labels(self.kind).set(0 if self.breaker.opened else 1)

    async def _infer_once_retrying(self, texts: list[str]) -> Answer:
        tensor = {"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}
        body = json.dumps({"inputs": [tensor]})
        try:
            status, raw = await self._post(body)
        except _RETRYABLE:
            status, raw = await self._post(body)
        if status >= 500:
            raise PredictorUnavailable(f"{self.kind} answered HTTP {status}")
        if status >= 400:
            raise PredictorRefused(_error_text(raw))
        payload = json.loads(raw)
        outputs = {o["name"]: o["data"] for o in payload["outputs"]}
        classes = str((payload.get("parameters") or {}).get("classes") or "").split(",")
        probabilities = None
        if "probabilities" in outputs and len(classes) > 1:
            flat, width = outputs["probabilities"], len(classes)
            probabilities = [flat[i : i + width] for i in range(0, len(flat), width)]
        familiarity = outputs.get("familiarity")
        keywords = outputs.get("keywords")
        return Answer(
            labels=[str(x) for x in outputs["label"]],
            confidences=[float(x) for x in outputs["confidence"]],
            model=payload.get("model_name", self.model_name),
            version=str(payload.get("model_version") or ""),
            familiarities=[float(x) for x in familiarity] if familiarity is not None else None,
            probabilities=probabilities,
            classes=classes if probabilities is not None else None,
            keywords=[_terms(k) for k in keywords] if keywords is not None else None,
        )

    async def _post(self, body: str) -> tuple[int, bytes]:
        async with self.http.post(
            f"{self.url}/infer", data=body, headers=_JSON, timeout=self.timeout
        ) as response:
            return response.status, await response.read()

    async def ready(self) -> bool:
        timeout = aiohttp.ClientTimeout(total=min(self.timeout.total, 2.0))
        try:
            async with self.http.get(f"{self.url}/ready", timeout=timeout) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False


def _error_text(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    try:
        return str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        return text


def _terms(encoded: object) -> list[str]:
    """One ticket's keywords; an unreadable entry is no keywords, not a failed answer."""
    try:
        terms = json.loads(encoded) if isinstance(encoded, str) else []
    except ValueError:
        return []
    return [str(t) for t in terms] if isinstance(terms, list) else []
