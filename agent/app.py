"""The agent's HTTP API: friendly JSON, a v2 endpoint, health, metrics.

Validation errors are 4xx with a reason; no request body or ticket text ever reaches the logs,
only redacted text and route decisions.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
import uuid
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import aiohttp
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent import v2
from agent.client import PredictorClient, PredictorRefused
from agent.language import LanguageDetector
from agent.metrics import REQUEST_LATENCY, REQUESTS
from agent.pii import PiiScrubber
from agent.policy import PolicySource
from agent.review import Recorder
from agent.review import routes as review_routes
from agent.service import TOP_K, BothUnavailable, Classifier, Ticket
from agent.settings import AgentSettings
from agent.store import ReviewStore

log = logging.getLogger("agent")
AGENT_MODEL = "callcenter-agent"
REQUEST_ID_HEADER = "X-Request-ID"
# Safe to echo and log: no spaces, quotes or newlines (log injection), no unbounded length.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
MAX_TOP_K = 50


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The ticket as written: email body, chat or call transcript.")
    channel: Literal["email", "chat", "phone"] | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2}$", description="ISO 639-1 hint")
    top_k: int | None = Field(
        None, ge=1, le=MAX_TOP_K, description="categories listed in `top_k` (default 3)"
    )
    force_model: Literal["svm", "transformer"] | None = Field(
        None, description="answer with this model, skipping routing"
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty or whitespace")
        return value


def request_id(request: Request) -> str:
    """The caller's X-Request-ID, kept when it is safe to echo; a new one otherwise."""
    given = request.headers.get(REQUEST_ID_HEADER)
    if given is None:
        return uuid.uuid4().hex
    if not _REQUEST_ID.fullmatch(given):
        raise HTTPException(
            400, f"{REQUEST_ID_HEADER} must be 1-128 letters, digits or . _ : - characters"
        )
    return given


TopK = Query(None, ge=1, le=MAX_TOP_K, description="categories listed in `top_k` (default 3)")


def to_ticket(t: TicketIn, rid: str, top_k: int | None) -> Ticket:
    """Body fields win over the query string."""
    k = t.top_k or top_k or TOP_K
    return Ticket(t.text, t.channel, t.language, rid, k, t.force_model)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tickets: list[TicketIn] = Field(min_length=1)


# Documents the v2 body in OpenAPI; the route reads the raw body itself (see agent/v2.py).
V2_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["inputs"],
    "properties": {
        "id": {"type": "string"},
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "shape", "datatype"],
                "properties": {
                    "name": {"type": "string"},
                    "shape": {"type": "array", "items": {"type": "integer"}},
                    "datatype": {"type": "string"},
                    "parameters": {"type": "object"},
                    "data": {"type": "array"},
                },
            },
        },
        "outputs": {"type": "array", "items": {"type": "object"}},
        "parameters": {"type": "object"},
    },
}


def build_app(
    settings: AgentSettings | None = None,
    *,
    classifier: Classifier | None = None,
    predictor_clients: Sequence[PredictorClient] | None = None,
) -> FastAPI:
    """The agent's app.

    `classifier` (and `predictor_clients`, what readiness asks) replace what the lifespan would
    build: predictor clients, PII, language detection, policy refresh. A seam for in-process
    tests, which need none of those; without them nothing changes.
    """
    settings = settings or AgentSettings()
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if classifier is not None:
            state["classifier"] = classifier
            state["clients"] = list(predictor_clients or [])
            yield
            return
        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        clients = [
            PredictorClient(
                kind,
                url,
                model,
                timeout,
                http,
                settings.breaker_failures,
                settings.breaker_reset_s,
            )
            for kind, url, model, timeout in (
                ("svm", settings.svm_url, settings.svm_model, settings.svm_timeout_s),
                (
                    "transformer",
                    settings.transformer_url,
                    settings.transformer_model,
                    settings.transformer_timeout_s,
                ),
            )
        ]
        detector = LanguageDetector()
        detector.warm()
        policy = PolicySource(settings, http)
        state["classifier"] = Classifier(
            clients[0],
            clients[1],
            PiiScrubber(ner=settings.pii_ner, employee_id_pattern=settings.pii_employee_id_pattern),
            detector,
            policy,
        )
        state["clients"] = clients
        if settings.store_url:
            state["store"] = store = ReviewStore(settings.store_url)
            state["recorder"] = Recorder(store)
            try:
                await asyncio.to_thread(store.migrate)
            except Exception as exc:  # the agent classifies without it; writes retry the schema
                log.warning("review store not ready at start-up (%s)", type(exc).__name__)
        refresher = asyncio.create_task(policy.run())
        yield
        refresher.cancel()
        if "recorder" in state:
            await state["recorder"].drain()
            state["store"].close()
        await http.close()

    app = FastAPI(
        title="CallCenterAI agent",
        description="Classifies support tickets; scrubs personal data and routes between models.",
        version="0.1.0",
        lifespan=lifespan,
    )

    async def authorize(request: Request) -> None:
        # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hand-off on
        # every request for a check that takes microseconds.
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        # Constant-time comparison with every key: no timing hint of how much of a key matched.
        matched = False
        for key in settings.api_keys:
            matched |= hmac.compare_digest(token.encode(), key.encode())
        if not matched:
            REQUESTS.labels(request.url.path, "unauthorized").inc()
            raise HTTPException(
                401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"}
            )

    # Without API keys the endpoints are open: no dependency to solve on every request.
    secured = [Depends(authorize)] if settings.api_keys else []

    def check_limits(texts: list[str]) -> None:
        if len(texts) > settings.max_batch_size:
            raise HTTPException(
                413, f"{len(texts)} tickets; the limit is {settings.max_batch_size}"
            )
        for i, text in enumerate(texts):
            if len(text) > settings.max_text_chars:
                raise HTTPException(
                    413,
                    f"ticket {i} has {len(text)} characters; limit {settings.max_text_chars}",
                )

    async def run(endpoint: str, tickets: list[Ticket]):
        started = time.perf_counter()
        check_limits([t.text for t in tickets])
        try:
            results = await state["classifier"].classify(tickets)
        except BothUnavailable as exc:
            REQUESTS.labels(endpoint, "unavailable").inc()
            log.warning("both predictors unavailable: %s", exc)
            raise HTTPException(
                503,
                "no model can answer right now; retry later",
                {"Retry-After": str(settings.retry_after_s)},
            ) from None
        except PredictorRefused as exc:
            REQUESTS.labels(endpoint, "invalid").inc()
            raise HTTPException(422, f"a model refused the ticket: {exc}") from None
        REQUESTS.labels(endpoint, "ok").inc()
        REQUEST_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        if "recorder" in state:  # after the answer is built: storage never fails classification
            state["recorder"].submit(results)
        for r in results:
            log.info(
                "classified",
                extra={
                    "request_id": r.request_id,
                    "category": r.category,
                    "model": r.model,
                    "decision": r.route["decision"],
                    "band": r.band,
                    "fallback": r.route["fallback"],
                    "redacted_text": r.pii["redacted_text"][:500],
                },
            )
        return results

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        REQUESTS.labels(request.url.path, "invalid").inc()
        # Reasons only: pydantic's `input` would echo the ticket (and its personal data) back.
        reasons = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": reasons})

    @app.post("/v1/classify", dependencies=secured)
    async def classify(
        ticket: TicketIn, request: Request, response: Response, top_k: int | None = TopK
    ) -> dict:
        """Classify one ticket; the answer explains which model answered and why.

        `request_id` is the caller's `X-Request-ID` when given (also sent back in that header).
        """
        rid = request_id(request)
        response.headers[REQUEST_ID_HEADER] = rid
        result = (await run("/v1/classify", [to_ticket(ticket, rid, top_k)]))[0]
        return result.public()

    @app.post("/v1/classify/batch", dependencies=secured)
    async def classify_batch(
        batch: BatchIn, request: Request, response: Response, top_k: int | None = TopK
    ) -> dict:
        """Classify up to `CCAI_AGENT_MAX_BATCH_SIZE` tickets in one call.

        Each ticket's `request_id` is the request's id (`X-Request-ID`) and its index: `ID-0`...
        """
        rid = request_id(request)
        response.headers[REQUEST_ID_HEADER] = rid
        tickets = [to_ticket(t, f"{rid}-{i}", top_k) for i, t in enumerate(batch.tickets)]
        return {"results": [r.public() for r in await run("/v1/classify/batch", tickets)]}

    app.include_router(
        review_routes(
            lambda: state.get("store"),
            lambda note: state["classifier"].redact(note),
            settings.store_retention_days,
            secured,
        )
    )

    @app.get(f"/v2/models/{AGENT_MODEL}")
    async def v2_metadata() -> dict:
        return {
            "name": AGENT_MODEL,
            "platform": "callcenterai",
            "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
            "outputs": [
                {"name": "label", "datatype": "BYTES", "shape": [-1]},
                {"name": "confidence", "datatype": "FP32", "shape": [-1]},
                {"name": "model", "datatype": "BYTES", "shape": [-1]},
                {"name": "band", "datatype": "BYTES", "shape": [-1]},
                {"name": "familiarity", "datatype": "FP32", "shape": [-1]},
            ],
        }

    @app.get(f"/v2/models/{AGENT_MODEL}/ready")
    async def v2_ready() -> Response:
        return await readyz()

    @app.get("/v2")
    async def v2_server_metadata() -> dict:
        """v2 server metadata: what `tritonclient`'s `get_server_metadata()` reads."""
        return {"name": "callcenterai-agent", "version": app.version, "extensions": v2.EXTENSIONS}

    @app.get("/v2/health/live")
    async def v2_live() -> dict:
        """v2 liveness, the same rule as /healthz: the process answers."""
        return await healthz()

    @app.get("/v2/health/ready")
    async def v2_health_ready() -> Response:
        """v2 readiness, the same rule as /readyz: at least one predictor is ready."""
        return await readyz()

    @app.post(
        f"/v2/models/{AGENT_MODEL}/infer",
        dependencies=secured,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": V2_REQUEST_SCHEMA}},
            }
        },
    )
    async def v2_infer(request: Request) -> Response:
        """Open Inference Protocol: v2 clients call the agent like any KServe model.

        The raw body is parsed by `agent.v2`, whatever its Content-Type, JSON or with the binary
        tensor extension (`Inference-Header-Content-Length`), as `tritonclient` sends it. Errors
        are `{"error": reason}`, the v2 convention, with the same statuses as /v1.
        """
        endpoint = f"/v2/models/{AGENT_MODEL}/infer"
        try:
            rid = request_id(request)
            parsed = v2.parse_infer_request(await request.body(), request.headers)
        except v2.V2Error as exc:
            REQUESTS.labels(endpoint, "invalid").inc()
            return JSONResponse(status_code=400, content=v2.error_body(exc.reason))
        except HTTPException as exc:
            REQUESTS.labels(endpoint, "invalid").inc()
            return JSONResponse(status_code=exc.status_code, content=v2.error_body(exc.detail))
        try:
            tickets = [Ticket(t, request_id=f"{rid}-{i}") for i, t in enumerate(parsed.texts)]
            results = await run(endpoint, tickets)
        except HTTPException as exc:
            return JSONResponse(
                status_code=exc.status_code,
                content=v2.error_body(str(exc.detail)),
                headers=exc.headers,
            )
        return JSONResponse(
            v2.infer_response(AGENT_MODEL, parsed.request_id, results, parsed.outputs),
            headers={REQUEST_ID_HEADER: rid},
        )

    page = (Path(__file__).parent / "ui" / "index.html").read_text(encoding="utf-8")

    @app.get("/ui", response_class=HTMLResponse, include_in_schema=False)
    async def ui() -> HTMLResponse:
        """The support page: classify a ticket, work the review queue (agent/ui/index.html)."""
        return HTMLResponse(page)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui")

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        """Ready when at least one predictor is ready: the agent can still answer via fallback."""
        ready = await asyncio.gather(*(c.ready() for c in state["clients"]))
        body = {c.kind: ok for c, ok in zip(state["clients"], ready, strict=True)}
        return JSONResponse(status_code=200 if any(ready) else 503, content=body)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
