"""The KServe `Model` both predictors share: background loading, v1/v2 handling, metrics.

Subclasses only say how to load their files and how to turn texts into class probabilities.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path

import kserve
import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from contract.familiarity import Scores
from predictors.batching import MicroBatcher
from predictors.loading import fetch
from predictors.metrics import (
    BATCH_SIZE,
    CONFIDENCE,
    ERRORS,
    FAMILIARITY,
    INVALID_REQUESTS,
    MODEL_INFO,
    PREDICTIONS,
    TRAINING_SHARE,
)
from predictors.protocol import (
    Limits,
    metadata_types,
    texts_from_v1,
    texts_from_v2,
    to_prediction,
    v1_response,
    v2_response,
)
from predictors.settings import PredictorSettings

log = logging.getLogger("predictors")
ERROR_REASONS = ("scoring", "response")


class TicketClassifier(kserve.Model):
    kind = "base"
    releases_gil = True  # whether score lets other threads run (see predictors.batching)

    def __init__(self, settings: PredictorSettings) -> None:
        super().__init__(settings.model_name)
        self.settings = settings
        self.limits = Limits(settings.max_request_texts, settings.max_text_chars)
        self.classes: list[str] = []
        self.version: str | None = settings.model_version
        self.load_error: str | None = None
        self._loader: threading.Thread | None = None
        self._first_attempt = threading.Event()
        # At zero from the start: the rollout operator judges a counter it can see, and treats
        # an absent one as "cannot count errors".
        for reason in ERROR_REASONS:
            ERRORS.labels(self.name, reason)
        self.batcher = MicroBatcher(
            self.score,
            settings.microbatch_max_texts,
            settings.microbatch_max_wait_ms,
            observe=lambda n: BATCH_SIZE.labels(self.name).observe(n),
            in_thread=self.releases_gil,
        )

    # -- what a subclass provides -------------------------------------------------------------
    def load_files(self, path: Path, metadata: dict) -> None:
        raise NotImplementedError

    def score(self, texts: list[str]) -> Scores:
        """Class probabilities and how familiar each text looks (contract.familiarity)."""
        raise NotImplementedError

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.score(texts).probabilities

    # -- KServe hooks -------------------------------------------------------------------------
    def load(self) -> bool:
        """Never blocks or raises: KServe also calls this from requests while we are not ready.

        Loading (download included) runs in one background thread that retries until it works,
        so the server stays up and answers 503 instead of crashing when the registry is down.
        """
        if not self.ready and (self._loader is None or not self._loader.is_alive()):
            self._loader = threading.Thread(target=self._load_until_ready, daemon=True)
            self._loader.start()
        return self.ready

    def wait_ready(self, timeout: float) -> bool:
        """Wait for the first load attempt only: a failing one must not delay the server's start."""
        self.load()
        self._first_attempt.wait(timeout)
        return self.ready

    def _load_until_ready(self) -> None:
        while not self.ready:
            try:
                files = fetch(self.settings.model_dir, self.settings.model_version)
                self.load_files(files.path, files.metadata)
                self.classes = list(files.metadata["labels"])
                self.version = files.version or self.version or "unversioned"
                MODEL_INFO.labels(self.name, self.version, self.kind).set(1)
                for category, share in files.metadata.get("train_class_share", {}).items():
                    TRAINING_SHARE.labels(self.name, category).set(share)
                self.load_error = None
                # The model is millions of long-lived objects (the TF-IDF vocabulary alone is
                # hundreds of thousands of strings): left in the collector's generations, every
                # full collection walks them all and stalls requests for tens of milliseconds.
                gc.collect()
                gc.freeze()
                self.ready = True
                self._first_attempt.set()
                log.info("%s: loaded %s version %s", self.name, self.kind, self.version)
            except Exception as exc:  # keep serving 503 and try again
                self.load_error = f"{type(exc).__name__}: {exc}"
                self._first_attempt.set()
                log.error(
                    "%s: cannot load %s (%s); retrying in %.0f s",
                    self.name,
                    self.settings.model_dir,
                    self.load_error,
                    self.settings.load_retry_seconds,
                )
                time.sleep(self.settings.load_retry_seconds)

    def _failed(self, reason: str, exc: Exception) -> None:
        """Counted for the rollout's bake; logged by class only (a message may quote input)."""
        ERRORS.labels(self.name, reason).inc()
        log.error("%s: %s failed (%s)", self.name, reason, type(exc).__name__)

    def get_input_types(self) -> list[dict]:
        return metadata_types(len(self.classes))[0]

    def get_output_types(self) -> list[dict]:
        return metadata_types(len(self.classes))[1]

    async def predict(self, payload, headers: dict | None = None) -> InferResponse | dict:
        v2 = isinstance(payload, InferRequest)
        try:
            texts = (
                texts_from_v2(payload, self.limits) if v2 else texts_from_v1(payload, self.limits)
            )
        except InvalidInput as exc:
            INVALID_REQUESTS.labels(self.name).inc()
            log.info("%s: refused request: %s", self.name, exc)
            raise
        try:
            scores = await self.batcher.submit(texts)
        except Exception as exc:
            self._failed("scoring", exc)
            raise
        try:
            prediction = to_prediction(
                scores.probabilities, self.classes, scores.familiarity, scores.keywords
            )
        except Exception as exc:
            self._failed("response", exc)
            raise
        for label, confidence, familiarity in zip(
            prediction.labels, prediction.confidence, prediction.familiarity, strict=True
        ):
            PREDICTIONS.labels(self.name, label).inc()
            CONFIDENCE.labels(self.name).observe(float(confidence))
            FAMILIARITY.labels(self.name).observe(float(familiarity))
        if self.settings.log_requests:
            # Sizes and outcomes only: ticket text may hold personal data.
            log.info("%s: %d texts -> %s", self.name, len(texts), prediction.labels)
        if v2:
            return v2_response(payload, prediction, self.name, self.version, self.classes)
        return v1_response(prediction, self.name, self.version, self.classes)
