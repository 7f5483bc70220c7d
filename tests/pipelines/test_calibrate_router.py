"""Threshold choice: best accuracy within the transformer budget."""

from __future__ import annotations

import numpy as np

from pipelines.calibrate_router import sweep


def test_sweep_respects_budget_and_finds_the_best_threshold():
    conf = np.array([0.95, 0.9, 0.85, 0.4, 0.35, 0.75, 0.8, 0.7, 0.6, 0.99])
    svm_ok = np.array([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], dtype=bool)
    tr_ok = np.array([1, 1, 1, 1, 1, 0, 0, 1, 1, 1], dtype=bool)
    forced = np.zeros(10, dtype=bool)
    rows = sweep(conf, svm_ok, tr_ok, forced)
    allowed = [r for r in rows if r["transformer_share"] <= 0.3]
    best = max(allowed, key=lambda r: (r["accuracy"], -r["transformer_share"]))
    # Escalating the two wrong low-confidence answers (0.35, 0.4) fixes both: 10/10 right.
    assert best["accuracy"] == 1.0
    assert 0.4 < best["threshold"] <= 0.6
    assert best["transformer_share"] == 0.2
    assert rows[-1]["transformer_share"] == 1.0  # threshold above every confidence
