"""calibrate_bands' choice on hand-made replays: what counts as evidence for a band."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.calibrate_bands import Replay, choose, lower_bound
from pipelines.params import BandParams

PARAMS = BandParams(target_accuracy=0.9, live_target_accuracy=0.9, evidence_level=0.8)


def replay(confidence: list[float], ok: list[bool], kind: str = "transformer") -> Replay:
    rows = len(ok)
    return Replay(
        answered_by=np.full(rows, kind),
        confidence=np.array(confidence, dtype=float),
        familiarity=np.ones(rows),
        ok=np.array(ok, dtype=bool),
        disagree=np.zeros(rows, dtype=bool),
        languages=np.full(rows, "fr"),
    )


def test_the_lower_bound_grows_with_the_evidence():
    assert lower_bound(8, 8, 0.8) == pytest.approx(0.2 ** (1 / 8))  # all right: (1-level)^(1/n)
    assert lower_bound(8, 8, 0.8) < 0.9 < lower_bound(16, 16, 0.8)
    assert lower_bound(33, 34, 0.8) < 33 / 34
    assert lower_bound(0, 5, 0.8) == 0.0


def test_a_few_right_live_answers_do_not_earn_a_band():
    """8 of 8 right at high confidence reads 1.0 as a point estimate; as evidence it is 0.82."""
    val = replay([0.5] * 100, [False] * 100)  # the validation split never reaches the targets
    few = replay([0.99] * 8 + [0.5] * 40, [True] * 8 + [False] * 40)
    policy, _ = choose("transformer", val, few, PARAMS)
    assert policy.confidence > 1.0, "8 right answers were taken as proof"
    many = replay([0.99] * 30 + [0.5] * 40, [True] * 30 + [False] * 40)
    policy, chosen = choose("transformer", val, many, PARAMS)
    assert 0.5 < policy.confidence <= 0.99  # leaves the 0.5 rows out
    assert chosen["live_lower_bound"] >= 0.9


def test_a_split_the_model_was_fit_on_is_no_evidence():
    """In-sample answers are right by construction: only the live set may earn the band."""
    val = replay([0.95] * 500, [True] * 500)
    live = replay([0.95] * 20 + [0.5] * 20, [False] * 20 + [True] * 20)
    policy, _ = choose("transformer", val, live, PARAMS, val_in_sample=False)
    assert policy.confidence > 1.0  # val's 500 right answers cannot outvote 20 wrong live ones
    nothing_live = replay([0.2] * 20, [True] * 20)  # below every candidate threshold: no auto rows
    policy, _ = choose("transformer", val, nothing_live, PARAMS, val_in_sample=False)
    assert policy.confidence <= 0.95  # out of sample, the validation split is evidence enough
    policy, chosen = choose("transformer", val, nothing_live, PARAMS, val_in_sample=True)
    assert policy.confidence > 1.0 and chosen["evidence"] == ["live"]


def test_the_live_set_alone_vouches_only_when_allowed():
    """Fit on the validation split, a model has only the development live set as evidence:
    30 right answers at 0.99 earn its band with `live_alone`, none without (the default)."""
    val = replay([0.95] * 500, [True] * 500)
    live = replay([0.99] * 30 + [0.5] * 40, [True] * 30 + [False] * 40)
    policy, chosen = choose("transformer", val, live, PARAMS, val_in_sample=True)
    assert not policy.earned and chosen["evidence"] == ["live"]
    assert policy.familiarity == 1.0  # still marks tickets below the 5th validation percentile
    allowed = PARAMS.model_copy(update={"live_alone": True})
    policy, chosen = choose("transformer", val, live, allowed, val_in_sample=True)
    assert policy.earned and chosen["live_lower_bound"] >= 0.9
