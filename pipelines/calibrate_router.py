"""Pick the SVM-confidence threshold below which the agent escalates a ticket to the transformer.

On the validation split (never the test split): simulate the agent's policy for every candidate
threshold (long tickets always go to the transformer; others to the SVM, escalated when its
confidence is below the threshold) and keep the threshold with the best accuracy whose
transformer share stays within the budget. The register stage stores the result as tags on the
SVM version, and the agent reads it from there.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from pipelines.cli import StageError, run
from pipelines.params import Params, PipelineSettings, load_params
from pipelines.prepare import read_split

log = logging.getLogger("pipelines.calibrate_router")


def load_probs(metrics_dir: Path, kind: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    path = metrics_dir / f"{kind}_{split}_probs.npz"
    if not path.is_file():
        raise StageError(f"{path}: missing; run the evaluate stage first")
    data = np.load(path)
    labels = data["labels"]
    return data["probs"], labels[data["probs"].argmax(axis=1)] == data["truth"]


def sweep(
    svm_conf: np.ndarray, svm_ok: np.ndarray, tr_ok: np.ndarray, forced: np.ndarray
) -> list[dict]:
    """Accuracy and transformer share of the policy at every distinct SVM confidence."""
    rows = []
    for threshold in np.unique(np.concatenate([[0.0], np.round(svm_conf, 4), [1.01]])):
        to_transformer = forced | (svm_conf < threshold)
        correct = np.where(to_transformer, tr_ok, svm_ok)
        rows.append(
            {
                "threshold": float(threshold),
                "accuracy": float(correct.mean()),
                "transformer_share": float(to_transformer.mean()),
            }
        )
    return rows


def calibrate(splits_dir: Path, metrics_dir: Path, params: Params) -> dict:
    svm_probs, svm_ok = load_probs(metrics_dir, "svm", "val")
    _, tr_ok = load_probs(metrics_dir, "transformer", "val")
    texts, _ = read_split(splits_dir, "val")
    long_words = params.router.long_words
    forced = np.array([len(t.split()) > long_words for t in texts])
    rows = sweep(svm_probs.max(axis=1), svm_ok, tr_ok, forced)
    budget = params.router.transformer_budget
    allowed = [r for r in rows if r["transformer_share"] <= budget] or rows[:1]
    best = max(allowed, key=lambda r: (r["accuracy"], -r["transformer_share"]))
    result = {
        "svm_threshold": best["threshold"],
        "long_words": long_words,
        "transformer_budget": budget,
        "val_accuracy": round(best["accuracy"], 4),
        "val_transformer_share": round(best["transformer_share"], 4),
        "val_svm_only_accuracy": round(float(svm_ok.mean()), 4),
        "val_transformer_only_accuracy": round(float(tr_ok.mean()), 4),
        "val_forced_share": round(float(forced.mean()), 4),
    }
    (metrics_dir / "router.json").write_text(json.dumps(result, indent=2))
    log.info(
        "threshold %.4f: val accuracy %.4f with %.1f%% to the transformer (SVM alone %.4f, "
        "transformer alone %.4f)",
        best["threshold"],
        best["accuracy"],
        100 * best["transformer_share"],
        svm_ok.mean(),
        tr_ok.mean(),
    )
    return result


def main() -> None:
    settings = PipelineSettings()
    calibrate(settings.splits_dir, settings.metrics_dir, load_params(settings.params_file))


if __name__ == "__main__":
    run(main)
