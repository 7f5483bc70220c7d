"""Writes the agent's answers to the review store (its routes: agent/routes/review.py).

Storage never fails classification: answers are written after the response is built, in a
worker thread, retried once, and counted as dropped (`callcenter_agent_store_writes_total`)
when the database is down. Only redacted text reaches the store.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.exc import SQLAlchemyError

from agent.metrics import REVIEW_QUEUE, STORE_WRITES
from agent.service import Result
from agent.store import ReviewStore, Stored

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
