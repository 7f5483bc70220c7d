"""Stand-ins for the agent's classifier and predictor clients, for in-process API tests.

What those tests cover is the HTTP layer (protocols, auth, limits, status codes, metrics), not
routing or models: the real classifier runs against real predictors in test_agent.py.
"""

from __future__ import annotations

from agent.service import BothUnavailable, Result, Ticket


def fake_result(text: str, request_id: str = "r-0") -> Result:
    """A complete answer, shaped as agent.service builds it: printers are Hardware, sure."""
    printer = "print" in text or "imprim" in text
    category = "Hardware" if printer else "Access"
    return Result(
        request_id=request_id,
        category=category,
        confidence=0.875 if printer else 0.5,
        model="callcenter-svm" if text.isascii() else "callcenter-transformer",
        model_version="7",
        band="auto" if printer else "review",
        familiarity=0.75 if text.isascii() else None,
        top_k=[{"category": category, "probability": 0.875 if printer else 0.5}],
        keywords=["printer"] if printer else [],
        route={
            "decision": "svm",
            "reasons": [{"code": "confident", "detail": "the SVM is sure"}],
            "rationale": "the SVM is sure",
            "language": "en",
            "length": len(text.split()),
            "complexity": 0.0,
            "svm_confidence": 0.875,
            "svm_category": category,
            "fallback": False,
        },
        pii={"redacted_text": text, "entities": []},
        latency_ms=1.0,
        categories=["Access", "Hardware"],
    )


class FakeClassifier:
    """Stands in for `agent.service.Classifier`; keeps the tickets it was asked about."""

    def __init__(self) -> None:
        self.seen: list[list[Ticket]] = []

    async def classify(self, tickets: list[Ticket]) -> list[Result]:
        self.seen.append(tickets)
        if any(t.text == "both down" for t in tickets):
            raise BothUnavailable("svm: refused; transformer: timeout")
        return [fake_result(t.text, t.request_id) for t in tickets]

    def redact(self, text: str) -> str:
        return text

    def holds_personal_data(self, value: str) -> bool:
        return "@" in value


class FakePredictor:
    """What readiness asks: a `kind` and `async ready()`."""

    def __init__(self, kind: str, ok: bool) -> None:
        self.kind, self.ok = kind, ok

    async def ready(self) -> bool:
        return self.ok
