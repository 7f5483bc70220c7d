"""Every API answer counted and timed, whatever produced it.

Counting in the handlers missed what never reaches them (a 413 from the body limit, a 401 from
the auth dependency, a 429, FastAPI's own 422) and timed successes only, so the error-ratio and
latency alerts undercounted. A pure ASGI middleware sees every response's status. The endpoint
label is the matched route's template (`/v1/review/{request_id}`), never the raw path: bounded.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.metrics import REQUEST_LATENCY, REQUESTS

# What the API's statuses mean, as the `outcome` label (dashboards and alerts read these).
OUTCOMES = {
    400: "invalid",
    401: "unauthorized",
    403: "unauthorized",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def outcome(status: int) -> str:
    if status < 400:
        return "ok"
    return OUTCOMES.get(status, "error" if status >= 500 else "invalid")


class RequestMetrics:
    """Counts and times requests to the API routes (`/v1/...` and v2 inference); health checks,
    scrapes and the page stay out so they cannot dilute the latency and error ratios."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server sends when the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            # Unknown paths share one label: a scanner must not grow the metric.
            endpoint = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(endpoint, outcome(status)).inc()
            REQUEST_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
