"""The agent's HTTP API: friendly JSON, a v2 endpoint, the review workflow, health, metrics.

One router per resource (agent/routes/), the shared runtime opened by the lifespan
(agent/runtime.py) and reached through dependencies (agent/deps.py). Validation errors are 4xx
with a reason; no request body or ticket text ever reaches the logs, only redacted text and
route decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from agent.client import PredictorClient
from agent.deps import guards
from agent.http_metrics import RequestMetrics
from agent.routes import classify, health, inference, review, ui
from agent.routes.inference import AGENT_MODEL, INFER_PATH
from agent.runtime import open_runtime
from agent.service import Classifier
from agent.settings import AgentSettings
from agent.validation import validation_error

__all__ = ["AGENT_MODEL", "build_app"]
# What RequestMetrics counts and times: the API, not probes, scrapes or the page.
API_PREFIXES = ("/v1/", INFER_PATH)


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

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with open_runtime(settings, classifier, predictor_clients) as runtime:
            app.state.runtime = runtime
            yield

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
    app.add_exception_handler(RequestValidationError, validation_error)
    secured = guards(settings)
    for api in (classify.router, review.router, inference.router):
        app.include_router(api, dependencies=secured)
    for open_routes in (inference.public, ui.router, health.router):
        app.include_router(open_routes)
    return app
