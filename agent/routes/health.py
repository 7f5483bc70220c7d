"""Probes and metrics: open, whatever the API keys; not counted by the API's request metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from agent.deps import RuntimeDep
from agent.runtime import Runtime

router = APIRouter()
NOT_READY = {503: {"description": "no predictor is ready"}}


def alive() -> dict:
    return {"status": "ok"}


async def readiness(rt: Runtime) -> JSONResponse:
    """Ready when at least one predictor is ready: the agent can still answer via fallback."""
    ready = await asyncio.gather(*(c.ready() for c in rt.clients))
    body = {c.kind: ok for c, ok in zip(rt.clients, ready, strict=True)}
    return JSONResponse(status_code=200 if any(ready) else 503, content=body)


@router.get("/healthz")
async def healthz() -> dict:
    """Liveness: the process answers."""
    return alive()


@router.get("/readyz", responses=NOT_READY)
async def readyz(rt: RuntimeDep) -> Response:
    """Ready when at least one predictor is ready: the agent can still answer via fallback."""
    return await readiness(rt)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
