"""The agent's core, independent of HTTP: scrub, route, call, fall back, explain."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field

from agent.blend import blended
from agent.client import Answer, PredictorClient, PredictorUnavailable
from agent.language import LanguageDetector
from agent.metrics import (
    BANDS,
    CATEGORIES,
    CONFIDENCE,
    ESCALATIONS,
    FALLBACKS,
    FAMILIARITY,
    PII_ENTITIES,
    PII_LATENCY,
    TICKETS,
)
from agent.pii import PiiScrubber
from agent.policy import PolicySource
from agent.traffic_mix import TrafficMix, reweighted
from contract.bands import decide
from contract.routing import (
    FORCED,
    SVM,
    TRANSFORMER,
    Reason,
    Route,
    after_svm,
    features,
    forced_route,
    initial_route,
)

TOP_K = 3


class BothUnavailable(RuntimeError):
    """Neither predictor can answer; the API turns this into 503 + Retry-After."""


@dataclass
class Ticket:
    text: str
    channel: str | None = None
    language: str | None = None  # the caller's hint wins over detection
    request_id: str = ""  # echoed in the answer and the logs, so a caller can trace one ticket
    top_k: int = TOP_K
    force_model: str | None = None  # "svm" / "transformer": skip routing (the rationale says so)


@dataclass
class Result:
    request_id: str
    category: str
    confidence: float
    model: str
    model_version: str
    band: str  # contract.bands: "auto" (route it) or "review" (a person looks first)
    familiarity: float | None
    top_k: list[dict]
    keywords: list[str]  # SVM answers: the ticket's terms that decided the category
    route: dict
    pii: dict
    latency_ms: float
    # Kept off the API answer (see `public`): what the review store needs besides it.
    categories: list[str] = field(default_factory=list, repr=False)

    def public(self) -> dict:
        """The answer as the API returns it."""
        out = dict(self.__dict__)
        out.pop("categories")
        return out


class Classifier:
    def __init__(
        self,
        svm: PredictorClient,
        transformer: PredictorClient,
        scrubber: PiiScrubber,
        detector: LanguageDetector,
        policy: PolicySource,
        mix: TrafficMix | None = None,
    ) -> None:
        self.clients = {SVM: svm, TRANSFORMER: transformer}
        self.scrubber = scrubber
        self.detector = detector
        self.policy = policy
        self.mix = mix

    async def classify(self, tickets: list[Ticket]) -> list[Result]:
        """Many tickets share one call per predictor: SVM first, then one call for escalations."""
        started = time.perf_counter()
        policy = self.policy.policy
        prepared = [self._prepare(t) for t in tickets]
        routes = [
            forced_route(t.force_model) if t.force_model else initial_route(f, policy)
            for (_, f, _), t in zip(prepared, tickets, strict=True)
        ]
        texts = [scrubbed.text for scrubbed, _, _ in prepared]
        answers: list[tuple[Answer, int] | None] = [None] * len(tickets)

        svm_rows = [i for i, r in enumerate(routes) if r.first_model == SVM]
        tr_rows = [i for i, r in enumerate(routes) if r.first_model == TRANSFORMER]
        # Routed to the transformer: the SVM answers too (one cheap call, concurrent with the
        # transformer's) when production blends the two, and stands by should the transformer fail.
        companions = [
            i
            for i in tr_rows
            if routes[i].decision != FORCED and policy.blend_weight_for(prepared[i][1].language)
        ]
        first = await self._call_each(
            {
                SVM: [texts[i] for i in svm_rows + companions],
                TRANSFORMER: [texts[i] for i in tr_rows],
            }
        )
        svm_answer, tr_answer = first[SVM], first[TRANSFORMER]
        for rows, answer in ((svm_rows, svm_answer), (tr_rows, tr_answer)):
            for k, i in enumerate(rows):
                answers[i] = (answer, k) if isinstance(answer, Answer) else None
        svm_seen: dict[int, tuple[Answer, int]] = {}
        if isinstance(svm_answer, Answer):
            svm_seen = {i: (svm_answer, k) for k, i in enumerate(svm_rows + companions)}
        svm_labels: dict[int, str] = {}
        for i, (answer, k) in svm_seen.items():
            svm_labels[i] = answer.labels[k]
            if routes[i].first_model == TRANSFORMER or routes[i].decision == FORCED:
                routes[i].svm_confidence = round(answer.confidences[k], 4)
                continue
            # The threshold calibrated for the SVM version that answered, not production's.
            after_svm(
                routes[i], answer.confidences[k], self.policy.routing(answer.model, answer.version)
            )

        # Second round: escalations, and fallbacks to the other model for failed calls.
        retry: dict[str, list[int]] = {SVM: [], TRANSFORMER: []}
        for i, route in enumerate(routes):
            if route.decision == "escalated":
                retry[TRANSFORMER].append(i)
            elif answers[i] is None:
                failed = svm_answer if route.first_model == SVM else tr_answer
                other = TRANSFORMER if route.first_model == SVM else SVM
                route.fallback = True
                route.reasons.append(Reason("fallback", f"{failed}: answered by the {other}"))
                FALLBACKS.labels(route.first_model).inc()
                if i in svm_seen:  # the SVM's companion answer is already here
                    answers[i] = svm_seen[i]
                else:
                    retry[other].append(i)
        second = await self._call_each(
            {kind: [texts[i] for i in rows] for kind, rows in retry.items()}
        )
        for rows, answer in zip(retry.values(), second.values(), strict=True):
            for k, i in enumerate(rows):
                if isinstance(answer, Answer):
                    answers[i] = (answer, k)
                    if routes[i].decision == "escalated":
                        ESCALATIONS.inc()
                elif routes[i].decision == "escalated" and answers[i] is not None:
                    # The transformer failed on an escalation: keep the SVM's answer.
                    routes[i].fallback = True
                    routes[i].reasons.append(Reason("fallback", f"{answer}: kept the SVM answer"))
                    FALLBACKS.labels(TRANSFORMER).inc()
                else:
                    answers[i] = None

        if any(a is None for a in answers):
            raise BothUnavailable(f"svm: {svm_answer}; transformer: {tr_answer}")
        for i, (answer, k) in enumerate(answers):
            if i in svm_seen and not routes[i].fallback and answer.model != svm_answer.model:
                language = prepared[i][1].language
                answers[i] = self._blend(answer, k, *svm_seen[i], routes[i], language)
            answers[i] = self._on_desk_mix(*answers[i], routes[i])
        elapsed_ms = round(1000 * (time.perf_counter() - started), 2)
        return [
            self._result(answers[i], routes[i], prepared[i], elapsed_ms, svm_labels.get(i))
            for i in range(len(tickets))
        ]

    def _blend(self, answer: Answer, k: int, svm: Answer, j: int, route: Route, language: str):
        """The transformer's answer blended with the SVM's, at the weight calibrated for the
        SVM version that answered and the ticket's language (none, the transformer's answer as
        it is, if it has none)."""
        weight = self.policy.routing(svm.model, svm.version).blend_weight_for(language)
        mixed = blended(answer, k, svm, j, weight) if weight else None
        if mixed is None:
            return answer, k
        route.reasons.append(
            Reason(
                "blend",
                f"probabilities blended: SVM {weight:.2f}, transformer {1 - weight:.2f} "
                f"(calibrated for {svm.model} v{svm.version})",
            )
        )
        return mixed, 0

    def _on_desk_mix(self, answer: Answer, k: int, route: Route):
        """The answer moved from its version's training mix onto the desk's reviewed one;
        as it is while too few tickets are reviewed or the version recorded no prior."""
        active = self.mix.active if self.mix is not None else None
        prior = self.policy.prior(answer.model, answer.version) if active else None
        moved = reweighted(answer, k, prior, self.mix.mix_for(prior)) if prior else None
        if moved is None:
            return answer, k
        route.reasons.append(
            Reason(
                "traffic_mix",
                f"probabilities moved from the training mix to this desk's ({active.describe()})",
            )
        )
        return moved, 0

    def redact(self, text: str) -> str:
        """Free text from a person (a reviewer's note), scrubbed like a ticket."""
        language, _ = self.detector.detect(text)
        return self.scrubber.scrub(text, language).text

    def holds_personal_data(self, value: str) -> bool:
        """Whether a caller's identifier (X-Request-ID) carries personal data: it is logged and
        stored as it is, so it must not."""
        return self.scrubber.scrub(value, "en").text != value

    def _prepare(self, ticket: Ticket):
        started = time.perf_counter()
        language, confidence = (
            (ticket.language, 1.0) if ticket.language else self.detector.detect(ticket.text)
        )
        scrubbed = self.scrubber.scrub(ticket.text, language)
        PII_LATENCY.observe(time.perf_counter() - started)
        for entity in scrubbed.entities:
            PII_ENTITIES.labels(entity.type).inc()
        return scrubbed, features(scrubbed.text, language, confidence), ticket

    async def _call_each(
        self, texts_by_model: dict[str, list[str]]
    ) -> dict[str, Answer | PredictorUnavailable | None]:
        """One call per model that has texts; concurrent only when both have some.

        A single ticket (the common case) needs one call: awaiting it directly spares the four
        tasks that two `gather` rounds would create and schedule on every request.
        """
        busy = [kind for kind, texts in texts_by_model.items() if texts]
        answers: dict[str, Answer | PredictorUnavailable | None] = dict.fromkeys(texts_by_model)
        if len(busy) == 1:
            answers[busy[0]] = await self._call(busy[0], texts_by_model[busy[0]])
        elif busy:
            results = await asyncio.gather(*(self._call(k, texts_by_model[k]) for k in busy))
            answers.update(zip(busy, results, strict=True))
        return answers

    async def _call(self, kind: str, texts: list[str]) -> Answer | PredictorUnavailable:
        try:
            return await self.clients[kind].infer(texts)
        except PredictorUnavailable as exc:
            return exc

    def _result(
        self, answer_at, route: Route, prepared, elapsed_ms: float, svm_label: str | None
    ) -> Result:
        answer, k = answer_at
        scrubbed, f, ticket = prepared
        model = SVM if answer.model == self.clients[SVM].model_name else TRANSFORMER
        confidence = answer.confidences[k]
        familiarity = answer.familiarities[k] if answer.familiarities is not None else None
        disagree = (
            route.decision == "escalated"
            and svm_label is not None
            and svm_label != answer.labels[k]
        )
        verdict = decide(
            confidence,
            familiarity,
            self.policy.band(answer.model, answer.version),
            model,
            models_disagree=disagree,
        )
        route.reasons.append(Reason(verdict.code, f"{verdict.band}: {verdict.detail}"))
        TICKETS.labels(route.decision, model, str(route.fallback).lower()).inc()
        CONFIDENCE.labels(model).observe(confidence)
        CATEGORIES.labels(answer.labels[k]).inc()
        BANDS.labels(verdict.band, model, verdict.code).inc()
        if familiarity is not None:
            FAMILIARITY.labels(model).observe(familiarity)
        return Result(
            request_id=ticket.request_id,
            category=answer.labels[k],
            confidence=round(confidence, 4),
            model=answer.model,
            model_version=answer.version,
            band=verdict.band,
            familiarity=round(familiarity, 4) if familiarity is not None else None,
            top_k=top_categories(answer, k, ticket.top_k),
            keywords=answer.keywords[k] if answer.keywords is not None else [],
            route={
                "decision": route.decision,
                "reasons": [asdict(r) for r in route.reasons],
                "rationale": route.rationale(),
                "language": f.language,
                "length": f.length,
                "complexity": f.complexity,
                "svm_confidence": route.svm_confidence,
                "svm_category": svm_label,
                "fallback": route.fallback,
            },
            pii={
                "redacted_text": scrubbed.text,
                "entities": [asdict(e) for e in scrubbed.entities],
            },
            latency_ms=elapsed_ms,
            categories=list(answer.classes or []),
        )


def top_categories(answer: Answer, k: int, n: int = TOP_K) -> list[dict]:
    """The n most probable categories (all of them if n is larger), for a person choosing when
    the band is `review`."""
    if answer.probabilities is None or answer.classes is None:
        return [{"category": answer.labels[k], "probability": round(answer.confidences[k], 4)}]
    ranked = sorted(zip(answer.classes, answer.probabilities[k], strict=True), key=lambda c: -c[1])
    return [{"category": c, "probability": round(float(p), 4)} for c, p in ranked[:n]]
