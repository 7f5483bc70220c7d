"""The review workflow over HTTP: the queue, feedback, purge; and the writer that fills the store.

Storage never fails classification: answers are written after the response is built, in a
worker thread, retried once, and counted as dropped (`callcenter_agent_store_writes_total`)
when the database is down. Only redacted text reaches the store; a reviewer's note is scrubbed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from agent.metrics import FEEDBACK, REVIEW_QUEUE, STORE_WRITES
from agent.schemas import PurgeOut, QueueOut, StoredOut, errors
from agent.service import Result
from agent.store import AlreadyReviewed, ReviewStore, Stored, UnknownCategory, UnknownRequest

log = logging.getLogger("agent.review")
RETRY_S = 0.5
QUEUE_REFRESH_S = 15.0  # the queue-length gauge is a COUNT over the store: not on every write


def stored(result: Result) -> Stored:
    return Stored(
        request_id=result.request_id,
        model=result.model,
        model_version=result.model_version,
        category=result.category,
        confidence=result.confidence,
        band=result.band,
        reason=result.route["reasons"][-1]["code"],
        language=result.route["language"],
        categories=result.categories,
        redacted_text=result.pii["redacted_text"],
    )


class Recorder:
    """Writes answers to the store in the background; keeps its tasks until they finish."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store
        self._tasks: set[asyncio.Task] = set()
        self._queue_counted = -QUEUE_REFRESH_S

    def submit(self, results: list[Result]) -> None:
        task = asyncio.get_running_loop().create_task(self._write([stored(r) for r in results]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, rows: list[Stored]) -> None:
        for attempt in range(2):
            try:
                await asyncio.to_thread(self.store.record, rows)
                STORE_WRITES.labels("written").inc(len(rows))
                if time.monotonic() - self._queue_counted >= QUEUE_REFRESH_S:
                    self._queue_counted = time.monotonic()
                    REVIEW_QUEUE.set(await asyncio.to_thread(self.store.queue_length))
                return
            except SQLAlchemyError as exc:
                if attempt == 0:
                    await asyncio.sleep(RETRY_S)
                    continue
                STORE_WRITES.labels("dropped").inc(len(rows))
                # The exception's class only: its message can quote the statement's parameters.
                log.warning("review store: %d answers dropped (%s)", len(rows), type(exc).__name__)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=1, max_length=160)
    category: str = Field(min_length=1, max_length=120, description="the right category")
    note: str | None = Field(None, max_length=2000, description="stored redacted")
    replace: bool = Field(False, description="overwrite an earlier answer for this request")


def routes(
    store: Callable[[], ReviewStore | None],
    redact: Callable[[str], str],
    retention_days: float,
    dependencies: list,
) -> APIRouter:
    """`store` is looked up per call (the lifespan builds it after routing); `redact` scrubs a
    reviewer's note the way tickets are scrubbed."""
    router = APIRouter(dependencies=dependencies)

    def the_store() -> ReviewStore:
        found = store()
        if found is None:
            raise HTTPException(503, "no review store configured (CCAI_AGENT_STORE_URL)")
        return found

    async def call(fn, *args):
        try:
            return await asyncio.to_thread(fn, *args)
        except SQLAlchemyError as exc:
            log.warning("review store unavailable (%s)", type(exc).__name__)
            raise HTTPException(
                503, "the review store is unavailable; retry later", {"Retry-After": "5"}
            ) from None

    @router.get("/v1/review", response_model=QueueOut, responses=errors(401, 422, 429, 503))
    async def review_queue(
        band: Literal["auto", "review"] | None = Query("review", description="omit for all"),
        limit: int = Query(50, ge=1, le=500),
    ) -> dict:
        """Answers nobody has reviewed yet, newest first (by default the `review` band)."""
        s = the_store()
        items = await call(s.pending, band, limit)
        queue = await call(s.queue_length)
        REVIEW_QUEUE.set(queue)
        return {"items": items, "queue_length": queue}

    @router.get(
        "/v1/review/{request_id}",
        response_model=StoredOut,
        responses=errors(401, 404, 422, 429, 503),
    )
    async def review_item(request_id: str) -> dict:
        found = await call(the_store().get, request_id)
        if found is None:
            raise HTTPException(404, f"no stored answer with request id {request_id!r}")
        return found

    @router.post(
        "/v1/feedback",
        response_model=StoredOut,
        responses=errors(400, 401, 404, 409, 413, 422, 429, 503),
    )
    async def feedback(body: FeedbackIn) -> dict:
        """A person's category for an answer: a confirmation or a correction."""
        note = redact(body.note) if body.note else None
        try:
            out = await call(
                the_store().feedback, body.request_id, body.category, note, body.replace
            )
        except UnknownRequest:
            raise HTTPException(
                404, f"no stored answer with request id {body.request_id!r}"
            ) from None
        except UnknownCategory as exc:
            raise HTTPException(422, [{"field": "body.category", "reason": str(exc)}]) from None
        except AlreadyReviewed:
            raise HTTPException(
                409, "this answer has feedback already; send replace: true to overwrite it"
            ) from None
        FEEDBACK.labels(out["model"], out["band"], out["feedback"]["verdict"]).inc()
        REVIEW_QUEUE.set(await call(the_store().queue_length))
        return out

    @router.post("/v1/review/purge", response_model=PurgeOut, responses=errors(401, 429, 503))
    async def purge() -> dict:
        """Delete answers older than the retention (`CCAI_AGENT_STORE_RETENTION_DAYS`)."""
        deleted = await call(the_store().purge, retention_days)
        return {"deleted": deleted, "retention_days": retention_days}

    return router
