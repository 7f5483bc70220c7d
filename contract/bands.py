"""The trust band of an answer: `auto` (route it) or `review` (a person looks first).

One rule, read by the agent for every answer and replayed by `pipelines.calibrate_bands` when it
picks the thresholds, so the calibration measures exactly what the agent will do. An answer is
`auto` only when all hold:
- the answering model's calibrated confidence reaches its band threshold,
- the ticket looks familiar to that model (contract.familiarity) above its threshold,
- on an escalation, the SVM and the transformer name the same category.
The thresholds are per model version: the calibration stage stores them as tags on the
registered version (`TAG_CONFIDENCE`, `TAG_FAMILIARITY`) and the agent applies those of the
version that answered. Without calibrated thresholds every answer is `review`, and so is every
answer of a version whose band the quality gate withdrew (`TAG_WITHDRAWN`: promoted as a first
version although its own `auto` answers on live-style tickets were below the floor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

AUTO = "auto"
REVIEW = "review"
TAG_CONFIDENCE = "band.confidence"
TAG_FAMILIARITY = "band.familiarity"
TAG_WITHDRAWN = "band.withdrawn"  # why the gate withdrew the band; no answer of it is `auto`
# A confidence no answer reaches (probabilities are at most 1): a version whose calibration
# found no pair that meets the accuracy targets on evidence carries it, with a familiarity
# threshold that still marks tickets unlike its training (pipelines.calibrate_bands).
NO_BAND = 1.01


@dataclass(frozen=True)
class BandPolicy:
    confidence: float
    familiarity: float
    source: str = "calibrated"
    withdrawn: str = ""

    @classmethod
    def from_tags(cls, tags: dict[str, str], source: str) -> BandPolicy | None:
        if tags.get(TAG_WITHDRAWN):  # its familiarity threshold still marks unfamiliar tickets
            familiarity = float(tags.get(TAG_FAMILIARITY, NO_BAND))
            return cls(NO_BAND, familiarity, source, tags[TAG_WITHDRAWN])
        if TAG_CONFIDENCE not in tags or TAG_FAMILIARITY not in tags:
            return None
        return cls(float(tags[TAG_CONFIDENCE]), float(tags[TAG_FAMILIARITY]), source)

    @property
    def earned(self) -> bool:
        """Whether any answer can reach these thresholds."""
        return self.confidence <= 1.0

    def tags(self) -> dict[str, str]:
        return {
            TAG_CONFIDENCE: f"{self.confidence:.4f}",
            TAG_FAMILIARITY: f"{self.familiarity:.4f}",
        }


@dataclass(frozen=True)
class Verdict:
    band: str
    code: str  # why: confident / low_confidence / unfamiliar / disagreement / uncalibrated
    detail: str


def _shown(value: float) -> str:
    """Three decimals, cut rather than rounded: `0.9599 < 0.96` must not read `0.960 < 0.960`."""
    return f"{math.floor(round(value * 1000, 6)) / 1000:.3f}"


def decide(
    confidence: float,
    familiarity: float | None,
    policy: BandPolicy | None,
    model: str,
    models_disagree: bool = False,
) -> Verdict:
    """The band of one answer; the first failed condition is the reason given."""
    if policy is None:
        return Verdict(REVIEW, "uncalibrated", f"no calibrated band for this {model} version")
    if familiarity is None:
        return Verdict(REVIEW, "unfamiliar", f"the {model} reported no familiarity")
    if familiarity < policy.familiarity:
        return Verdict(
            REVIEW,
            "unfamiliar",
            f"unlike the {model}'s training tickets (familiarity {_shown(familiarity)} < "
            f"{_shown(policy.familiarity)})",
        )
    # After the familiarity check, not instead of it: `unfamiliar` feeds the out-of-distribution
    # share and its alert, for versions without a band too.
    if policy.withdrawn:
        return Verdict(
            REVIEW,
            "uncalibrated",
            f"the quality gate withdrew this {model} version's auto band: {policy.withdrawn}",
        )
    if not policy.earned:
        return Verdict(
            REVIEW,
            "uncalibrated",
            f"this {model} version earned no auto band: its calibration had no evidence that its "
            "confident answers are right often enough",
        )
    if confidence < policy.confidence:
        return Verdict(
            REVIEW,
            "low_confidence",
            f"{model} confidence {_shown(confidence)} < {_shown(policy.confidence)} for auto",
        )
    if models_disagree:
        return Verdict(REVIEW, "disagreement", "the SVM and the transformer disagree")
    return Verdict(
        AUTO,
        "confident",
        f"{model} confidence {_shown(confidence)} >= {_shown(policy.confidence)}, familiarity "
        f"{_shown(familiarity)} >= {_shown(policy.familiarity)}",
    )
