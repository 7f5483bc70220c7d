"""What the agent's routes share while it runs: the classifier, the predictors, the review store.

The app's lifespan opens one `Runtime` (`open_runtime`) and keeps it on `app.state.runtime`;
routes reach it through the `RuntimeDep` dependency (agent/deps.py). A test hands in its own
classifier and predictor clients and gets the same routes without models or network.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from agent.client import PredictorClient
from agent.language import LanguageDetector
from agent.pii import PiiScrubber
from agent.policy import PolicySource
from agent.recorder import Recorder
from agent.service import Classifier
from agent.settings import AgentSettings
from agent.store import ReviewStore
from agent.traffic_mix import TrafficMix

log = logging.getLogger("agent")


@dataclass
class Runtime:
    settings: AgentSettings
    classifier: Classifier
    clients: list[PredictorClient]  # what readiness asks
    store: ReviewStore | None = None
    recorder: Recorder | None = None
    mix: TrafficMix | None = None  # the desk's category mix, with a store only


def predictor_clients(
    settings: AgentSettings, http: aiohttp.ClientSession
) -> list[PredictorClient]:
    """The SVM's client first, then the transformer's: the order `Classifier` takes them in."""
    return [
        PredictorClient(
            kind, url, model, timeout, http, settings.breaker_failures, settings.breaker_reset_s
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


async def _open_store(settings: AgentSettings) -> tuple[ReviewStore | None, Recorder | None]:
    if not settings.store_url:
        return None, None
    store = ReviewStore(settings.store_url)
    try:
        await asyncio.to_thread(store.migrate)
    except Exception as exc:  # the agent classifies without it; writes retry the schema
        log.warning("review store not ready at start-up (%s)", type(exc).__name__)
    return store, Recorder(store)


@asynccontextmanager
async def open_runtime(
    settings: AgentSettings,
    classifier: Classifier | None = None,
    clients: Sequence[PredictorClient] | None = None,
) -> AsyncIterator[Runtime]:
    """Everything a running agent needs; `classifier` (with `clients`) replaces the predictors,
    PII, language detection and policy refresh it would otherwise build."""
    store, recorder = await _open_store(settings)
    mix = None
    if store is not None and settings.traffic_mix_min_reviews > 0:
        mix = TrafficMix(
            store,
            settings.traffic_mix_min_reviews,
            settings.traffic_mix_pseudo_count,
            settings.traffic_mix_refresh_s,
        )
    try:
        if classifier is not None:
            yield Runtime(settings, classifier, list(clients or []), store, recorder, mix)
            return
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as http:
            svm, transformer = predictor_clients(settings, http)
            detector = LanguageDetector()
            detector.warm()
            policy = PolicySource(settings, http)
            scrubber = PiiScrubber(
                ner=settings.pii_ner, employee_id_pattern=settings.pii_employee_id_pattern
            )
            tasks = [asyncio.create_task(policy.run())]
            if mix is not None:
                tasks.append(asyncio.create_task(mix.run()))
            try:
                yield Runtime(
                    settings,
                    Classifier(svm, transformer, scrubber, detector, policy, mix),
                    [svm, transformer],
                    store,
                    recorder,
                    mix,
                )
            finally:
                for task in tasks:
                    task.cancel()
    finally:
        if recorder is not None:  # answers already given are written before the store closes
            await recorder.drain()
            store.close()
