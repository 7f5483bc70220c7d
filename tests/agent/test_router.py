"""Routing policy as plain functions: every decision and its reasons."""

from __future__ import annotations

from contract.routing import Policy, after_svm, complexity, features, initial_route

POLICY = Policy(svm_threshold=0.5, long_words=20, complexity_max=0.6, threshold_source="test")


def test_short_english_goes_to_svm_then_stays_or_escalates():
    route = initial_route(features("printer jammed again", "en", 0.9), POLICY)
    assert route.decision == "svm"
    assert after_svm(route, 0.8, POLICY).decision == "svm"
    route = initial_route(features("printer jammed again", "en", 0.9), POLICY)
    escalated = after_svm(route, 0.3, POLICY)
    assert escalated.decision == "escalated"
    assert [r.code for r in escalated.reasons] == ["simple", "low_confidence"]
    assert "0.30 < 0.50 (test threshold)" in escalated.rationale()


def test_non_english_long_and_complex_go_to_transformer():
    assert (
        initial_route(features("imprimante bloquée", "fr", 0.9), POLICY).reasons[0].code
        == "language"
    )
    long_text = " ".join(["word"] * 25)
    assert [r.code for r in initial_route(features(long_text, "en", 1), POLICY).reasons] == ["long"]
    many = "My VPN fails. Also the printer is down. In addition I need Visio? And Teams? Thanks."
    assert complexity(many) > 0.6
    route = initial_route(features(many, "en", 1), POLICY)
    assert route.decision == "transformer"
    assert "complex" in [r.code for r in route.reasons]


def test_complexity_is_low_for_a_plain_request():
    assert complexity("Please reset my password, I am locked out.") == 0.0
