"""The agent's HTTP API: friendly JSON, a v2 endpoint, health, metrics.

Validation errors are 4xx with a reason; no request body or ticket text ever reaches the logs,
only redacted text and route decisions.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import uuid
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent import v2
from agent.client import PredictorClient, PredictorRefused
from agent.http_metrics import RequestMetrics
from agent.language import LanguageDetector
from agent.pii import PiiScrubber
from agent.policy import PolicySource
from agent.rate_limit import RateLimit
from agent.review import Recorder
from agent.review import routes as review_routes
from agent.schemas import (
    MAX_TOP_K,
    V2_REQUEST_SCHEMA,
    V2_RESPONSE_SCHEMA,
    BatchIn,
    BatchOut,
    ClassifyOut,
    TicketIn,
    errors,
)
from agent.service import TOP_K, BothUnavailable, Classifier, Ticket
from agent.settings import AgentSettings
from agent.store import ReviewStore

log = logging.getLogger("agent")
AGENT_MODEL = "callcenter-agent"
REQUEST_ID_HEADER = "X-Request-ID"
# Safe to echo and log: no spaces, quotes or newlines (log injection), no unbounded length.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# What RequestMetrics counts and times: the API, not probes, scrapes or the page.
API_PREFIXES = ("/v1/", f"/v2/models/{AGENT_MODEL}/infer")


def request_id(request: Request, classifier) -> str:
    """The caller's X-Request-ID, kept when it is safe to echo, log and store; a new one when
    there is none."""
    given = request.headers.get(REQUEST_ID_HEADER)
    if given is None:
        return uuid.uuid4().hex
    if not _REQUEST_ID.fullmatch(given):
        raise HTTPException(
            400, f"{REQUEST_ID_HEADER} must be 1-128 letters, digits or . _ : - characters"
        )
    if classifier.holds_personal_data(given):
        raise HTTPException(
            400, f"{REQUEST_ID_HEADER} looks like personal data (it is logged): send an opaque id"
        )
    return given


def _field_path(loc: tuple, kind: str) -> str:
    """Where the error is; an unexpected key is the caller's text (an IBAN, say): not repeated."""
    parts = [str(p) for p in loc]
    if kind == "extra_forbidden" and parts:
        parts[-1] = "<unexpected field>"
    return ".".join(parts)


def v2_reason(detail: object) -> str:
    """One line for a v2 `{"error": ...}` body from an HTTPException's detail (a 422 lists
    fields)."""
    if isinstance(detail, list):
        return "; ".join(f"{d['field']}: {d['reason']}" for d in detail)
    return str(detail)


TopK = Query(None, ge=1, le=MAX_TOP_K, description="categories listed in `top_k` (default 3)")


def to_ticket(t: TicketIn, rid: str, top_k: int | None) -> Ticket:
    """Body fields win over the query string."""
    k = t.top_k or top_k or TOP_K
    return Ticket(t.text, t.channel, t.language, rid, k, t.force_model)


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
        if settings.store_url:
            state["store"] = store = ReviewStore(settings.store_url)
            state["recorder"] = Recorder(store)
            try:
                await asyncio.to_thread(store.migrate)
            except Exception as exc:  # the agent classifies without it; writes retry the schema
                log.warning("review store not ready at start-up (%s)", type(exc).__name__)
        if classifier is not None:
            state["classifier"] = classifier
            state["clients"] = list(predictor_clients or [])
            yield
            await close_store()
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
        refresher = asyncio.create_task(policy.run())
        yield
        refresher.cancel()
        await close_store()
        await http.close()

    async def close_store() -> None:
        if "recorder" in state:
            await state["recorder"].drain()
            state["store"].close()

    app = FastAPI(
        title="CallCenterAI agent",
        description="Classifies support tickets; scrubs personal data and routes between models.",
        version="0.1.0",
        lifespan=lifespan,
        # Starlette stops reading at the limit (Content-Length checked first, chunked bodies
        # counted): a 50 MB body is refused with 413, never held in memory.
        max_body_size=settings.max_body_bytes,
    )
    app.add_middleware(RequestMetrics, prefixes=API_PREFIXES)

    async def authorize(request: Request) -> None:
        # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hand-off on
        # every request for a check that takes microseconds.
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        # Constant-time comparison with every key: no timing hint of how much of a key matched.
        # Several keys at once let a key rotate without downtime (add the new, move, drop the old).
        matched = None
        for i, key in enumerate(settings.api_keys):
            if hmac.compare_digest(token.encode(), key.encode()):
                matched = i
        if matched is None:
            raise HTTPException(
                401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"}
            )
        request.state.caller = f"key-{matched}"  # the rate limit's caller: never the key itself

    limit = None
    if settings.rate_limit:
        limit = RateLimit(settings.rate_limit, settings.rate_limit_storage)

    async def rate_limited(request: Request) -> None:
        caller = getattr(request.state, "caller", None)
        if caller is None:
            caller = request.client.host if request.client else "unknown"
        wait = limit.retry_after(caller)
        if wait is not None:
            raise HTTPException(
                429,
                f"rate limit {limit.spec} reached; retry in {wait} s",
                {"Retry-After": str(wait)},
            )

    # Without API keys (or a rate limit) the endpoints are open: no dependency to solve on
    # every request. Auth comes first, so a caller is limited by its key.
    secured = [Depends(authorize)] if settings.api_keys else []
    if limit is not None:
        secured.append(Depends(rate_limited))

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

    async def run(tickets: list[Ticket]):
        check_limits([t.text for t in tickets])
        try:
            results = await state["classifier"].classify(tickets)
        except BothUnavailable as exc:
            log.warning("both predictors unavailable: %s", exc)
            raise HTTPException(
                503,
                "no model can answer right now; retry later",
                {"Retry-After": str(settings.retry_after_s)},
            ) from None
        except PredictorRefused as exc:
            raise HTTPException(
                422, [{"field": "body.text", "reason": f"a model refused the ticket: {exc}"}]
            ) from None
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
        # Reasons only: pydantic's `input` would echo the ticket (and its personal data) back,
        # and so would an unexpected key, which `_field_path` does not repeat.
        reasons = [
            {"field": _field_path(e["loc"], e["type"]), "reason": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": reasons})

    @app.post(
        "/v1/classify",
        dependencies=secured,
        response_model=ClassifyOut,
        responses=errors(400, 401, 413, 422, 429, 503),
    )
    async def classify(
        ticket: TicketIn, request: Request, response: Response, top_k: int | None = TopK
    ) -> dict:
        """Classify one ticket; the answer explains which model answered and why.

        `request_id` is the caller's `X-Request-ID` when given (also sent back in that header).
        """
        rid = request_id(request, state["classifier"])
        response.headers[REQUEST_ID_HEADER] = rid
        result = (await run([to_ticket(ticket, rid, top_k)]))[0]
        return result.public()

    @app.post(
        "/v1/classify/batch",
        dependencies=secured,
        response_model=BatchOut,
        responses=errors(400, 401, 413, 422, 429, 503),
    )
    async def classify_batch(
        batch: BatchIn, request: Request, response: Response, top_k: int | None = TopK
    ) -> dict:
        """Classify up to `CCAI_AGENT_MAX_BATCH_SIZE` tickets in one call.

        Each ticket's `request_id` is the request's id (`X-Request-ID`) and its index: `ID-0`...
        """
        rid = request_id(request, state["classifier"])
        response.headers[REQUEST_ID_HEADER] = rid
        tickets = [to_ticket(t, f"{rid}-{i}", top_k) for i, t in enumerate(batch.tickets)]
        return {"results": [r.public() for r in await run(tickets)]}

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

    @app.get(
        f"/v2/models/{AGENT_MODEL}/ready", responses={503: {"description": "no predictor is ready"}}
    )
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

    @app.get("/v2/health/ready", responses={503: {"description": "no predictor is ready"}})
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
        responses={
            200: {
                "description": "v2 inference response",
                "content": {"application/json": {"schema": V2_RESPONSE_SCHEMA}},
            },
            **errors(400, 401, 413, 429, 503, v2=True),
        },
    )
    async def v2_infer(request: Request) -> Response:
        """Open Inference Protocol: v2 clients call the agent like any KServe model.

        The raw body is parsed by `agent.v2`, whatever its Content-Type, JSON or with the binary
        tensor extension (`Inference-Header-Content-Length`), as `tritonclient` sends it. Errors
        are `{"error": reason}`, the v2 convention, with the same statuses as /v1.
        """
        try:
            rid = request_id(request, state["classifier"])
            parsed = v2.parse_infer_request(await request.body(), request.headers)
            tickets = [Ticket(t, request_id=f"{rid}-{i}") for i, t in enumerate(parsed.texts)]
            results = await run(tickets)
        except v2.V2Error as exc:
            return JSONResponse(status_code=400, content=v2.error_body(exc.reason))
        except StarletteHTTPException as exc:  # /v1's statuses, as v2 `{"error": reason}` bodies
            return JSONResponse(
                status_code=exc.status_code,
                content=v2.error_body(v2_reason(exc.detail)),
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

    @app.get("/readyz", responses={503: {"description": "no predictor is ready"}})
    async def readyz() -> Response:
        """Ready when at least one predictor is ready: the agent can still answer via fallback."""
        ready = await asyncio.gather(*(c.ready() for c in state["clients"]))
        body = {c.kind: ok for c, ok in zip(state["clients"], ready, strict=True)}
        return JSONResponse(status_code=200 if any(ready) else 503, content=body)

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
