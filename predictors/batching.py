"""Adaptive micro-batching: concurrent requests share one model call.

A model call has a fixed cost (Python and scikit-learn / ONNX overhead) that dwarfs the per-text
cost, so under load the worker takes whatever is queued (up to `max_size` texts) as one batch. It
waits at most `max_wait_ms` for company only when the previous call was itself a batch, so a
lone request on an idle server is never delayed. Models that release the GIL (ONNX Runtime, torch)
run in a worker thread so the event loop parses other requests meanwhile; pure-Python work
(scikit-learn's vectoriser) runs on the loop itself, where a thread would only add GIL hand-offs
that stall the loop for milliseconds and hurt the tail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Job:
    texts: list[str]
    future: asyncio.Future = field(repr=False)


class MicroBatcher:
    def __init__(
        self,
        predict: Callable[[list[str]], np.ndarray],
        max_size: int = 64,
        max_wait_ms: float = 2.0,
        observe: Callable[[int], None] | None = None,
        in_thread: bool = True,
    ) -> None:
        self._in_thread = in_thread
        self._predict = predict
        self._max_size = max_size
        self._max_wait = max_wait_ms / 1000
        self._observe = observe or (lambda n: None)
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task | None = None

    async def submit(self, texts: list[str]) -> np.ndarray:
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._run())
        job = _Job(texts, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(job)
        return await job.future

    async def _run(self) -> None:
        queue = self._queue
        busy = False
        held: _Job | None = None  # taken from the queue but too big for the last batch
        while True:
            jobs = [held or await queue.get()]
            held = None
            size = len(jobs[0].texts)
            if busy and size < self._max_size and queue.empty():
                await asyncio.sleep(self._max_wait)
            while not queue.empty():
                job = queue.get_nowait()
                if size + len(job.texts) > self._max_size:
                    held = job  # first in the next batch: arrival order is kept
                    break
                jobs.append(job)
                size += len(job.texts)
            texts = [t for job in jobs for t in job.texts]
            self._observe(len(texts))
            try:
                if self._in_thread:
                    probs = await asyncio.to_thread(self._predict, texts)
                else:
                    probs = self._predict(texts)
            except Exception as exc:  # the callers get the error, the worker lives on
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            start = 0
            for job in jobs:
                if not job.future.done():
                    job.future.set_result(probs[start : start + len(job.texts)])
                start += len(job.texts)
            busy = len(jobs) > 1
