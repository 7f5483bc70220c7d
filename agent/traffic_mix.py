"""The desk's category mix, from what its people reviewed, and answers moved onto it.

The models answer under the training file's mix; a desk receives its own (contract.prior). Its
reviewers' categories are the labels the agent has, but they review the `review` band, not a
sample of all traffic: the mix is estimated per band (auto answers by their category, a reviewer's
where one checked; the review band by the reviewed share of it, scaled up to the whole band) and
used only once `min_reviews` review-band answers have a person's category. Refreshed from the
store in the background and after each review; every answer it moves says so in its rationale.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from agent.client import Answer
from agent.metrics import TRAFFIC_MIX, TRAFFIC_MIX_REVIEWS
from agent.store import MixCounts, ReviewStore
from contract.prior import desk_mix, shifted

log = logging.getLogger("agent.traffic_mix")


@dataclass(frozen=True)
class Estimate:
    counts: dict[str, float]  # estimated tickets per category over the stored window
    reviewed: int  # review-band answers with a person's category
    auto: int  # auto-band answers

    @classmethod
    def of(cls, found: MixCounts) -> Estimate:
        reviewed = sum(found.reviewed.values())
        scale = found.review_total / reviewed if reviewed else 0.0
        counts = {c: float(n) for c, n in found.auto.items()}
        for category, n in found.reviewed.items():
            counts[category] = counts.get(category, 0.0) + scale * n
        return cls(counts, reviewed, sum(found.auto.values()))

    def describe(self) -> str:
        return f"{self.reviewed} reviewed tickets, {self.auto} auto answers"


class TrafficMix:
    def __init__(
        self, store: ReviewStore, min_reviews: int, pseudo_count: float, refresh_s: float
    ) -> None:
        self.store = store
        self.min_reviews = min_reviews
        self.pseudo_count = pseudo_count
        self.refresh_s = refresh_s
        self.estimate: Estimate | None = None  # the latest one, whether or not it is used

    @property
    def active(self) -> Estimate | None:
        """The estimate answers are moved onto; none until enough people reviewed."""
        if self.estimate is None or self.estimate.reviewed < self.min_reviews:
            return None
        return self.estimate

    def mix_for(self, prior: dict[str, float]) -> dict[str, float] | None:
        """The desk's mix over one version's categories, smoothed towards its training prior."""
        active = self.active
        return desk_mix(active.counts, prior, self.pseudo_count) if active else None

    async def refresh(self) -> None:
        try:
            found = await asyncio.to_thread(self.store.mix_counts)
        except SQLAlchemyError as exc:  # keep the last estimate; the next refresh retries
            log.warning("traffic mix not refreshed (%s)", type(exc).__name__)
            return
        self.estimate = Estimate.of(found)
        TRAFFIC_MIX_REVIEWS.set(self.estimate.reviewed)
        total = sum(self.estimate.counts.values())
        for category, n in self.estimate.counts.items():
            TRAFFIC_MIX.labels(category).set(n / total if total else 0.0)

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.refresh_s)


def reweighted(answer: Answer, k: int, prior: dict[str, float], mix: dict[str, float]):
    """Row k of an answer under the desk's mix, as a one-row answer of the same version; None
    when the answer carries no probabilities over the prior's categories."""
    if answer.probabilities is None or answer.classes is None:
        return None
    if sorted(answer.classes) != sorted(prior):
        return None
    return answer.row(k, shifted(answer.probabilities[k], answer.classes, prior, mix))
