"""Which model answers a ticket, and why: the routing rule, in one place.

Policy: non-English, long or complex tickets go to the transformer; the rest go to the cheap SVM,
and are escalated to the transformer when the SVM's calibrated confidence is below a threshold.
Where the transformer answers, its probabilities are blended with the SVM's (`blend`, with a
calibrated weight).
The agent routes every ticket with these functions, and `pipelines.calibrate_router` and
`pipelines.calibrate_bands` replay them on the validation split and the live-style set, so the
threshold is chosen for exactly the rule that will apply it (read from the registry; see
`agent.policy`). Pure standard library: serving and training both import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SVM = "svm"
TRANSFORMER = "transformer"
FORCED = "forced"  # the caller named the model (`force_model`): no routing, no escalation

_SENTENCE = re.compile(r"[.!?؟]+(?:\s|$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_CONNECTORS = re.compile(
    r"\b(?:also|additionally|another (?:issue|problem|thing)|second(?:ly)?|furthermore|"
    r"as well as|in addition|et aussi|également|de plus|par ailleurs)\b|(?:أيضا|بالإضافة)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Features:
    language: str
    language_confidence: float
    length: int  # words
    complexity: float  # 0..1


@dataclass(frozen=True)
class Policy:
    svm_threshold: float
    long_words: int = 120
    complexity_max: float = 0.6
    threshold_source: str = "default"
    # The SVM's share in the blend of both models' probabilities on tickets the transformer
    # answers (`blend`); 0 until calibrate_router has chosen one for this SVM version.
    blend_weight: float = 0.0
    # The same share on non-English tickets, chosen apart: the validation split is English, so
    # only the live-style development set speaks for them. None: `blend_weight` (versions
    # calibrated before the two were told apart).
    blend_weight_non_english: float | None = None

    def blend_weight_for(self, language: str) -> float:
        """The SVM's share in the blend on a ticket in this language."""
        if language == "en" or self.blend_weight_non_english is None:
            return self.blend_weight
        return self.blend_weight_non_english


@dataclass
class Reason:
    code: str
    detail: str


@dataclass
class Route:
    decision: str  # "svm", "transformer", "escalated" or "forced"
    reasons: list[Reason] = field(default_factory=list)
    svm_confidence: float | None = None
    fallback: bool = False
    forced_model: str | None = None

    @property
    def first_model(self) -> str:
        if self.forced_model:
            return self.forced_model
        return TRANSFORMER if self.decision == TRANSFORMER else SVM

    def rationale(self) -> str:
        """One line a support agent can read."""
        return "; ".join(r.detail for r in self.reasons)


def complexity(text: str) -> float:
    """Several requests in one ticket are where a bag-of-words model mixes categories up."""
    sentences = len(_SENTENCE.findall(text)) or 1
    questions = text.count("?") + text.count("؟")
    score = (
        0.12 * max(0, sentences - 3)
        + 0.2 * len(_LIST_ITEM.findall(text))
        + 0.15 * max(0, questions - 1)
        + 0.25 * len(_CONNECTORS.findall(text))
    )
    return round(min(1.0, score), 3)


def features(text: str, language: str, language_confidence: float) -> Features:
    return Features(language, round(language_confidence, 3), len(text.split()), complexity(text))


def initial_route(f: Features, policy: Policy) -> Route:
    reasons = []
    if f.language != "en":
        reasons.append(
            Reason("language", f"language {f.language}: the multilingual model reads it")
        )
    if f.length > policy.long_words:
        reasons.append(Reason("long", f"{f.length} words > {policy.long_words}: long ticket"))
    if f.complexity > policy.complexity_max:
        reasons.append(
            Reason(
                "complex", f"complexity {f.complexity} > {policy.complexity_max}: several requests"
            )
        )
    if reasons:
        return Route(TRANSFORMER, reasons)
    return Route(SVM, [Reason("simple", f"short English ticket ({f.length} words): fast model")])


def forced_route(model: str) -> Route:
    """The caller chose the model (a comparison, a known-hard queue): the rationale says so."""
    return Route(
        FORCED,
        [Reason("forced", f"the caller asked for the {model}: routing skipped")],
        forced_model=model,
    )


def escalates(confidence: float, threshold: float) -> bool:
    """Whether an SVM answer this sure goes on to the transformer."""
    return confidence < threshold


def blend(svm, transformer, weight):
    """A ticket's probabilities from both models, the SVM weighing `weight`: on tickets unlike
    the training file the SVM knows the training vocabulary and the transformer the language,
    and they err differently. Works on one probability (the agent, class by class) and on arrays
    (the calibration stages, every row at once, `weight` one number or one per row)."""
    return weight * svm + (1 - weight) * transformer


def forced_to_transformer(text: str, language: str, policy: Policy) -> bool:
    """Whether the transformer answers whatever the SVM would say (language, length, complexity)."""
    return initial_route(features(text, language, 1.0), policy).first_model == TRANSFORMER


def after_svm(route: Route, confidence: float, policy: Policy) -> Route:
    """Escalate an unsure SVM answer; `policy.svm_threshold` was calibrated for this."""
    route.svm_confidence = round(confidence, 4)
    if escalates(confidence, policy.svm_threshold):
        route.decision = "escalated"
        route.reasons.append(
            Reason(
                "low_confidence",
                f"SVM confidence {confidence:.2f} < {policy.svm_threshold:.2f} "
                f"({policy.threshold_source} threshold): escalated",
            )
        )
    else:
        route.reasons.append(
            Reason(
                "confident",
                f"SVM confidence {confidence:.2f} >= {policy.svm_threshold:.2f} "
                f"({policy.threshold_source} threshold)",
            )
        )
    return route
