"""The familiarity signal and the band rule as plain functions (the agent and the calibration
both call them, so a change here changes both)."""

from __future__ import annotations

import numpy as np
import pytest

from contract.bands import AUTO, NO_BAND, REVIEW, TAG_WITHDRAWN, BandPolicy, decide
from contract.familiarity import Scores, knn_familiarity, vocabulary_coverage


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_coverage_counts_known_tokens():
    vocabulary = {"password", "reset", "account"}
    assert vocabulary_coverage(["password", "reset"], vocabulary) == 1.0
    assert vocabulary_coverage(["mot", "de", "passe", "reset"], vocabulary) == 0.25
    assert vocabulary_coverage([], vocabulary) == 0.0


def test_knn_familiarity_is_high_near_the_predicted_class_only():
    rng = np.random.default_rng(0)
    centres = unit(rng.normal(size=(2, 16)))
    bank = unit(np.vstack([c + 0.05 * rng.normal(size=(30, 16)) for c in centres]))
    bank_labels = np.repeat([0, 1], 30)
    near_class_0 = unit(centres[:1] + 0.05 * rng.normal(size=(1, 16)))
    far = unit(rng.normal(size=(1, 16)))
    queries = np.vstack([near_class_0, near_class_0, far])
    familiarity = knn_familiarity(queries, np.array([0, 1, 0]), bank, bank_labels, k=5)
    assert familiarity[0] > 0.95
    # The same ticket is unfamiliar as a member of the other class.
    assert familiarity[1] < familiarity[0] - 0.3
    assert familiarity[2] < familiarity[0] - 0.3
    # A class the bank has no example of: nothing is familiar.
    assert knn_familiarity(near_class_0, np.array([7]), bank, bank_labels)[0] == 0.0


def test_scores_slice_rows_together():
    scores = Scores(np.arange(12.0).reshape(4, 3), np.array([0.1, 0.2, 0.3, 0.4]))
    part = scores[1:3]
    assert len(part) == 2
    assert part.probabilities.tolist() == [[3, 4, 5], [6, 7, 8]]
    assert part.familiarity.tolist() == pytest.approx([0.2, 0.3])


POLICY = BandPolicy(confidence=0.8, familiarity=0.5, source="t")


@pytest.mark.parametrize(
    ("confidence", "familiarity", "policy", "disagree", "band", "code"),
    [
        (0.9, 0.9, POLICY, False, AUTO, "confident"),
        (0.9, 0.4, POLICY, False, REVIEW, "unfamiliar"),
        (0.7, 0.9, POLICY, False, REVIEW, "low_confidence"),
        (0.9, 0.9, POLICY, True, REVIEW, "disagreement"),
        (0.99, 0.99, None, False, REVIEW, "uncalibrated"),
        (0.99, None, POLICY, False, REVIEW, "unfamiliar"),
        # An unfamiliar ticket stays in review however confident the model is.
        (1.0, 0.1, POLICY, False, REVIEW, "unfamiliar"),
        # A version that earned no band: review; `unfamiliar` only below its familiarity
        # threshold (the out-of-distribution share and its alert read that reason).
        (1.0, 0.2, BandPolicy(NO_BAND, 0.5), False, REVIEW, "unfamiliar"),
        (1.0, 0.9, BandPolicy(NO_BAND, 0.5), False, REVIEW, "uncalibrated"),
    ],
)
def test_band_rule(confidence, familiarity, policy, disagree, band, code):
    verdict = decide(confidence, familiarity, policy, "svm", models_disagree=disagree)
    assert (verdict.band, verdict.code) == (band, code)
    assert verdict.detail


def test_band_policy_round_trips_through_registry_tags():
    tags = POLICY.tags()
    back = BandPolicy.from_tags(tags, "svm v3")
    assert (back.confidence, back.familiarity, back.source) == (0.8, 0.5, "svm v3")
    assert BandPolicy.from_tags({"router.svm_threshold": "0.7"}, "x") is None


def test_a_withdrawn_band_sends_every_answer_to_review():
    """The gate withdrew the band of a first version that failed the floor: its thresholds
    no longer count, however sure and familiar the answer."""
    tags = {**POLICY.tags(), TAG_WITHDRAWN: "its 12 auto answers on live_holdout are right 0.5"}
    policy = BandPolicy.from_tags(tags, "svm v1")
    verdict = decide(1.0, 1.0, policy, "svm")
    assert (verdict.band, verdict.code) == (REVIEW, "uncalibrated")
    assert "withdrew" in verdict.detail and "live_holdout" in verdict.detail
    # Its familiarity threshold still says which tickets are unlike its training.
    assert decide(1.0, 0.3, policy, "svm").code == "unfamiliar"


def test_reasons_never_show_a_value_equal_to_the_threshold_it_missed():
    """Rounded to two decimals, 0.9599 < 0.96 read `0.96 < 0.96` in the demo; cut to three
    decimals the comparison reads as it was decided."""
    policy = BandPolicy(confidence=0.96, familiarity=0.945, source="t")
    assert "0.959 < 0.960" in decide(0.9599, 0.99, policy, "transformer").detail
    assert "0.944 < 0.945" in decide(0.99, 0.94497, policy, "transformer").detail
    assert "0.960 >= 0.960" in decide(0.96, 0.945, policy, "transformer").detail
