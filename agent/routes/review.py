"""The review workflow over HTTP: the queue, one stored answer, feedback, purge.

Answers without a store configured, or with the database down, are 503s with a reason; a
reviewer's note is scrubbed the way tickets are before it is stored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from agent.deps import RuntimeDep
from agent.metrics import FEEDBACK, REVIEW_QUEUE
from agent.schemas import PurgeOut, QueueOut, StoredOut, TrafficMixOut, errors
from agent.store import AlreadyReviewed, ReviewStore, UnknownCategory, UnknownRequest

log = logging.getLogger("agent.review")
router = APIRouter()


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=1, max_length=160)
    category: str = Field(min_length=1, max_length=120, description="the right category")
    note: str | None = Field(None, max_length=2000, description="stored redacted")
    replace: bool = Field(False, description="overwrite an earlier answer for this request")


async def get_store(rt: RuntimeDep) -> ReviewStore:
    if rt.store is None:
        raise HTTPException(503, "no review store configured (CCAI_AGENT_STORE_URL)")
    return rt.store


StoreDep = Annotated[ReviewStore, Depends(get_store)]


async def call(fn, *args):
    """A store call in a worker thread; a database error is a 503, named by its class only
    (its message can quote the statement's parameters)."""
    try:
        return await asyncio.to_thread(fn, *args)
    except SQLAlchemyError as exc:
        log.warning("review store unavailable (%s)", type(exc).__name__)
        raise HTTPException(
            503, "the review store is unavailable; retry later", {"Retry-After": "5"}
        ) from None


@router.get("/v1/review", response_model=QueueOut, responses=errors(401, 422, 429, 503))
async def review_queue(
    store: StoreDep,
    band: Literal["auto", "review"] | None = Query("review", description="omit for all"),
    limit: int = Query(50, ge=1, le=500),
) -> dict:
    """Answers nobody has reviewed yet, newest first (by default the `review` band)."""
    items = await call(store.pending, band, limit)
    queue = await call(store.queue_length)
    REVIEW_QUEUE.set(queue)
    return {"items": items, "queue_length": queue}


@router.get(
    "/v1/review/{request_id}",
    response_model=StoredOut,
    responses=errors(401, 404, 422, 429, 503),
)
async def review_item(request_id: str, store: StoreDep) -> dict:
    found = await call(store.get, request_id)
    if found is None:
        raise HTTPException(404, f"no stored answer with request id {request_id!r}")
    return found


@router.post(
    "/v1/feedback",
    response_model=StoredOut,
    responses=errors(400, 401, 404, 409, 413, 422, 429, 503),
)
async def feedback(body: FeedbackIn, store: StoreDep, rt: RuntimeDep) -> dict:
    """A person's category for an answer: a confirmation or a correction."""
    note = rt.classifier.redact(body.note) if body.note else None
    try:
        out = await call(store.feedback, body.request_id, body.category, note, body.replace)
    except UnknownRequest:
        raise HTTPException(404, f"no stored answer with request id {body.request_id!r}") from None
    except UnknownCategory as exc:
        raise HTTPException(422, [{"field": "body.category", "reason": str(exc)}]) from None
    except AlreadyReviewed:
        raise HTTPException(
            409, "this answer has feedback already; send replace: true to overwrite it"
        ) from None
    FEEDBACK.labels(out["model"], out["band"], out["feedback"]["verdict"]).inc()
    REVIEW_QUEUE.set(await call(store.queue_length))
    if rt.mix is not None:  # a reviewer sees the mix their answer moved without waiting
        await rt.mix.refresh()
    return out


@router.get("/v1/traffic-mix", response_model=TrafficMixOut, responses=errors(401, 429, 503))
async def traffic_mix(rt: RuntimeDep, store: StoreDep) -> dict:
    """The desk's category mix as estimated from reviewed answers, and whether it is in use."""
    if rt.mix is None:
        raise HTTPException(503, "the traffic mix is off (CCAI_AGENT_TRAFFIC_MIX_MIN_REVIEWS=0)")
    if rt.mix.estimate is None:
        await rt.mix.refresh()
    estimate = rt.mix.estimate
    if estimate is None:  # the store was unreachable
        raise HTTPException(
            503, "the review store is unavailable; retry later", {"Retry-After": "5"}
        )
    total = sum(estimate.counts.values())
    return {
        "active": rt.mix.active is not None,
        "min_reviews": rt.mix.min_reviews,
        "reviewed": estimate.reviewed,
        "auto": estimate.auto,
        "mix": {c: round(n / total, 4) for c, n in sorted(estimate.counts.items())}
        if total
        else {},
    }


@router.post("/v1/review/purge", response_model=PurgeOut, responses=errors(401, 429, 503))
async def purge(store: StoreDep, rt: RuntimeDep) -> dict:
    """Delete answers older than the retention (`CCAI_AGENT_STORE_RETENTION_DAYS`)."""
    retention = rt.settings.store_retention_days
    deleted = await call(store.purge, retention)
    return {"deleted": deleted, "retention_days": retention}
