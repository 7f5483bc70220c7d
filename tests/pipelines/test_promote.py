"""The gate's paired live comparison (pipelines.promote.paired_drop), on answers built here."""

from __future__ import annotations

from pipelines.promote import paired_drop

TOLERANCE = 0.05


def answers(right: set[int], n: int = 144) -> dict[str, int]:
    return {f"t{i}": int(i in right) for i in range(n)}


def test_the_same_answers_are_no_drop():
    same = answers(set(range(100)))
    paired = paired_drop(same, same, TOLERANCE)
    assert (paired.rows, paired.drop, paired.beyond) == (144, 0.0, 0.0)


def test_a_drop_past_the_tolerance_by_chance_is_not_evidence():
    """25 tickets only production gets right, 16 only the candidate: 9 of 144 (0.0625) is past
    the point rule's 0.05, but resampling the tickets puts it there only about 60% of the time."""
    production = answers(set(range(0, 100)))
    candidate = answers(set(range(25, 116)))  # loses 0-24, wins 100-115
    paired = paired_drop(candidate, production, TOLERANCE)
    assert paired.rows == 144
    assert abs(paired.drop - 9 / 144) < 1e-9
    assert 0.4 < paired.beyond < 0.8


def test_a_real_regression_is_evidence():
    production = answers(set(range(0, 100)))
    candidate = answers(set(range(30, 105)))  # 30 lost, 5 won: 0.17 lower
    paired = paired_drop(candidate, production, TOLERANCE)
    assert paired.drop > 0.17 and paired.beyond > 0.99


def test_only_tickets_both_answered_count():
    production = answers(set(range(100)))
    candidate = {k: v for k, v in answers(set(range(100))).items() if k != "t0"}
    candidate["new ticket"] = 0
    assert paired_drop(candidate, production, TOLERANCE).rows == 143
    assert paired_drop({"a": 1}, {"b": 1}, TOLERANCE) is None
