"""Threshold choice: best accuracy within the transformer budget."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from contract.routing import Policy
from pipelines.calibrate_router import (
    calibrate,
    choose_blend,
    choose_blend_non_english,
    row_blend_weights,
    sweep,
    system_correct,
)
from pipelines.params import load_params

ROOT = Path(__file__).parents[2]


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


def write_probs(metrics: Path, kind: str, split: str, conf: list[float], ok: list[bool], **extra):
    """Two-class probabilities whose top class is right exactly where `ok` says."""
    probs = np.array([[c, 1 - c] for c in conf], dtype=np.float32)
    truth = np.array(["a" if good else "b" for good in ok])
    np.savez(
        metrics / f"{kind}_{split}_probs.npz",
        probs=probs,
        truth=truth,
        labels=np.array(["a", "b"]),
        **extra,
    )


def test_live_set_weighs_in_the_threshold_choice(tmp_path):
    """On val, escalating nobody is best; on the live set, escalating the unsure half is.

    With live_weight 0 the validation split decides alone; with a high weight the live-style
    tickets pull the threshold up, and the traffic budget (measured on val) still holds.
    """
    splits, metrics = tmp_path / "splits", tmp_path / "metrics"
    splits.mkdir()
    metrics.mkdir()
    pd.DataFrame({"Document": ["short ticket"] * 10, "Topic_group": ["Hardware"] * 10}).to_csv(
        splits / "val.csv", index=False
    )
    val_conf = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.99, 0.98]
    write_probs(metrics, "svm", "val", val_conf, [True] * 10)
    write_probs(metrics, "transformer", "val", [0.9] * 10, [True] * 8 + [False] * 2)
    live_conf = [0.95, 0.9, 0.7, 0.65, 0.9]
    languages = np.array(["en", "en", "en", "en", "fr"])
    write_probs(
        metrics, "svm", "live", live_conf, [True, True, False, False, False], languages=languages
    )
    write_probs(metrics, "transformer", "live", [0.9] * 5, [True] * 5, languages=languages)
    live = tmp_path / "live.csv"
    pd.DataFrame({"text": ["short ticket"] * 5, "label": ["a"] * 5, "language": languages}).to_csv(
        live, index=False
    )

    val_only = load_params(
        ROOT / "params.yaml", {"router": {"live_weight": 0.0, "budget_headroom": 0.0}}
    )
    chosen = calibrate(splits, metrics, val_only, live)
    assert chosen["svm_threshold"] <= 0.6 and chosen["val_accuracy"] == 1.0

    with_live = load_params(
        ROOT / "params.yaml", {"router": {"live_weight": 0.8, "budget_headroom": 0.0}}
    )
    chosen = calibrate(splits, metrics, with_live, live)
    assert 0.7 < chosen["svm_threshold"] <= 0.75
    assert chosen["live_accuracy"] == 1.0
    assert chosen["val_transformer_share"] <= 0.3
    assert json.loads((metrics / "router.json").read_text()) == chosen

    # Headroom keeps the calibrated share below the budget: the third escalation no longer fits.
    headroom = load_params(
        ROOT / "params.yaml", {"router": {"live_weight": 0.8, "budget_headroom": 0.05}}
    )
    chosen = calibrate(splits, metrics, headroom, live)
    assert chosen["val_transformer_share"] <= 0.25
    assert chosen["svm_threshold"] <= 0.7


def test_blend_weight_is_chosen_where_the_two_models_err_differently():
    """Three classes; on the routed rows the transformer hesitates between the right class and a
    wrong one the SVM rules out, so a share of the SVM's probability fixes them: a middle
    weight wins, and weight 0 is the transformer's own answer."""
    labels = np.array(["a", "b", "c"])
    truth = np.array(["a", "a", "b", "c"])
    svm = {
        "labels": labels,
        "truth": truth,
        # Row 0-1: the SVM leans to the right class but is wrong alone on row 1.
        "probs": np.array([[0.5, 0.1, 0.4], [0.4, 0.1, 0.5], [0.1, 0.5, 0.4], [0.0, 0.4, 0.6]]),
    }
    transformer = {
        "labels": labels,
        "truth": truth,
        "probs": np.array([[0.45, 0.55, 0.0], [0.38, 0.62, 0.0], [0.6, 0.4, 0.0], [0.3, 0.0, 0.7]]),
    }
    routed = np.ones(4, dtype=bool)
    assert system_correct(svm, transformer, routed, 0.0).tolist() == [False, False, False, True]
    chosen = choose_blend(
        [(svm, transformer, routed, routed), (svm, transformer, routed, routed)], 0.25
    )
    # Every row is right from 0.5 (row 1 needs > 0.44) to 0.7; the smaller weight is kept.
    assert chosen["blend_weight"] == 0.5
    assert chosen["blend_val_accuracy"] == chosen["blend_live_accuracy"] == 1.0
    # Rows not routed to the transformer keep the SVM's answer whatever the weight.
    assert system_correct(svm, transformer, np.zeros(4, dtype=bool), 0.5).tolist() == [
        True,
        False,
        True,
        True,
    ]


def test_non_english_tickets_get_a_blend_weight_of_their_own():
    """The validation split is English, so it cannot speak for French or Arabic tickets: their
    weight is chosen on the live set's non-English rows alone. Here the SVM is right on them
    and the transformer wrong, while on the English rows only the transformer is right, so the
    two choices go opposite ways; one shared weight could not serve both."""
    labels = np.array(["a", "b"])
    truth = np.array(["a", "a", "a", "a"])
    languages = np.array(["en", "en", "fr", "ar"])
    svm = {
        "labels": labels,
        "truth": truth,
        "probs": np.array([[0.3, 0.7], [0.2, 0.8], [0.9, 0.1], [0.8, 0.2]]),
    }
    transformer = {
        "labels": labels,
        "truth": truth,
        "probs": np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.35, 0.65]]),
    }
    routed = np.ones(4, dtype=bool)
    english = languages == "en"
    english_rows = choose_blend([(svm, transformer, routed, english)] * 2, 0.25)
    assert english_rows["blend_weight"] == 0.0
    other = choose_blend_non_english(svm, transformer, routed, ~english)
    # Both non-English rows are right once the SVM weighs more than a third (the English ones
    # only while it weighs less than a half): the smallest such weight on the grid is kept.
    assert other["blend_weight_non_english"] == 0.4
    assert other["blend_non_english_live_accuracy"] == 1.0 and other["blend_non_english_rows"] == 2
    assert choose_blend_non_english(svm, transformer, routed, np.zeros(4, dtype=bool)) == {}

    # The replay applies each row's own weight, as the agent does per ticket.
    policy = Policy(0.5, blend_weight=0.0, blend_weight_non_english=0.4)
    weights = row_blend_weights(languages, policy)
    assert weights[:, 0].tolist() == [0.0, 0.0, 0.4, 0.4]
    assert system_correct(svm, transformer, routed, weights).all()
    # A version calibrated before the split applies its one weight everywhere.
    assert row_blend_weights(languages, Policy(0.5, blend_weight=0.3))[:, 0].tolist() == [0.3] * 4
