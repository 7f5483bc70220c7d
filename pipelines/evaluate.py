"""Score each trained model on the held-out test split, once, and write its report.

Writes `metrics/<kind>.json` (top-level accuracy, macro_f1, weighted_f1, ece, per-class figures,
latency, and accuracy per language on the hand-written live-style set), a confusion matrix as JSON
and PNG, and `metrics/<kind>_{val,test,live,live_holdout}_probs.npz` (probabilities and
familiarity), which the router and band calibrations and the router benchmark read. The test
split says little about tickets as people write them, hence the live-style figures next to it.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from pathlib import Path

import matplotlib
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import Model
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from contract.familiarity import Scores
from contract.svm_runtime import LinearScorer
from pipelines.cli import StageError, run
from pipelines.model_dir import FAMILIARITY_COLUMN
from pipelines.params import PipelineSettings
from pipelines.prepare import read_split

log = logging.getLogger("pipelines.evaluate")
KINDS = ("svm", "transformer")


class ServedScorer:
    """Probabilities and familiarity exactly as the predictor of this kind computes them.

    The transformer's pyfunc runs the served int8 graph (contract.transformer_runtime); the SVM
    runs through contract.svm_runtime, the predictor's default path.
    """

    def __init__(self, kind: str, model_dir: Path) -> None:
        self.labels = Model.load(str(model_dir)).metadata["callcenterai"]["labels"]
        # Each model is loaded once, by the path that serves it.
        self.svm = (
            LinearScorer(mlflow.sklearn.load_model(str(model_dir))) if kind == "svm" else None
        )
        self.model = None if self.svm else mlflow.pyfunc.load_model(str(model_dir))

    def __call__(self, texts: list[str]) -> Scores:
        if self.svm is not None:
            return self.svm.scores(texts)
        out = self.model.predict(pd.DataFrame({"text": texts}))
        familiarity = out.pop(FAMILIARITY_COLUMN).to_numpy(np.float32)
        return Scores(out[self.labels].to_numpy(np.float64), familiarity)


def predict_proba(scorer: ServedScorer, texts: list[str]) -> np.ndarray:
    return scorer(texts).probabilities


def expected_calibration_error(probs: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Gap between confidence and accuracy, weighted by bin size: the router trusts confidences."""
    confidence = probs.max(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def measure_latency(model, texts: list[str], repeats: int = 20) -> dict[str, float]:
    """In-process latency: one ticket at a time and a batch of 32 (serving overhead excluded)."""
    predict_proba(model, texts[:2])  # warm up lazy initialisation
    single = []
    for text in (texts * repeats)[:repeats]:
        started = time.perf_counter()
        predict_proba(model, [text])
        single.append(time.perf_counter() - started)
    batch = texts[:32]
    started = time.perf_counter()
    for _ in range(3):
        predict_proba(model, batch)
    batch_s = (time.perf_counter() - started) / 3
    return {
        "single_p50_ms": round(1000 * float(np.median(single)), 3),
        "single_p95_ms": round(1000 * float(np.percentile(single, 95)), 3),
        "batch32_ms": round(1000 * batch_s, 3),
        "batch32_per_text_ms": round(1000 * batch_s / len(batch), 3),
    }


def plot_confusion(matrix: np.ndarray, labels: list[str], title: str, path: Path) -> None:
    matplotlib.use("Agg")  # reports are files; no display on servers and CI
    import matplotlib.pyplot as plt

    normalised = matrix / matrix.sum(axis=1, keepdims=True).clip(min=1)
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            colour = "white" if normalised[i, j] > 0.5 else "black"
            ax.text(j, i, f"{matrix[i, j]}", ha="center", va="center", fontsize=8, color=colour)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def read_live(path: Path) -> pd.DataFrame:
    """The live-style set: `text`, `label`, `language` (ISO 639-1), one ticket per row."""
    if not path.is_file():
        raise StageError(f"{path}: live-style set missing (see data/live/README.md)")
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    missing = {"text", "label", "language"} - set(frame.columns)
    if missing:
        raise StageError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return frame


def live_report(probs: np.ndarray, labels: list[str], live: pd.DataFrame) -> dict:
    correct = np.array([labels[i] for i in probs.argmax(axis=1)]) == live["label"].to_numpy()
    languages = live["language"].to_numpy()
    report = {
        "accuracy": round(float(correct.mean()), 4),
        "rows": len(live),
        "by_language": {
            lang: round(float(correct[languages == lang].mean()), 4)
            for lang in sorted(set(languages))
        },
    }
    if "batch" in live.columns:  # a set written in batches: the later ones tuned nothing yet
        batches = live["batch"].to_numpy()
        report["by_batch"] = {
            batch: {
                "rows": int((batches == batch).sum()),
                "accuracy": round(float(correct[batches == batch].mean()), 4),
                "by_language": {
                    lang: round(float(correct[(batches == batch) & (languages == lang)].mean()), 4)
                    for lang in sorted(set(languages[batches == batch]))
                },
            }
            for batch in sorted(set(batches))
        }
    return report


def save_scores(path: Path, scores: Scores, truth: list[str], labels: list[str], **extra) -> None:
    """Per-split probabilities and familiarity, for the router and band calibration (val, live)
    and the router benchmark (test). String arrays: object arrays would need pickle to load."""
    np.savez_compressed(
        path,
        probs=scores.probabilities.astype(np.float32),
        familiarity=scores.familiarity.astype(np.float32),
        truth=np.array(truth),
        labels=np.array(labels),
        **{key: np.array(value) for key, value in extra.items()},
    )


def evaluate(
    kind: str,
    model_dir: Path,
    splits_dir: Path,
    metrics_dir: Path,
    live_path: Path,
    holdout_path: Path | None = None,
) -> dict:
    if not (model_dir / "MLmodel").is_file():
        raise StageError(f"{model_dir}: no trained model; run the train_{kind} stage first")
    metrics_dir.mkdir(parents=True, exist_ok=True)
    scorer = ServedScorer(kind, model_dir)
    labels = scorer.labels
    texts, truth = read_split(splits_dir, "test")
    started = time.perf_counter()
    test_scores = scorer(texts)
    scoring_s = time.perf_counter() - started
    probs = test_scores.probabilities
    predicted = [labels[i] for i in probs.argmax(axis=1)]
    correct = np.array(predicted) == np.array(truth)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    matrix = confusion_matrix(truth, predicted, labels=labels)
    report = {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        "weighted_f1": round(float(f1_score(truth, predicted, average="weighted")), 4),
        "ece": round(expected_calibration_error(probs, correct), 4),
        "test_rows": len(texts),
        "scoring_seconds": round(scoring_s, 2),
        "scored": "served artefact (int8 ONNX)" if kind == "transformer" else "served pipeline",
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "latency": measure_latency(scorer, texts[:64]),
    }
    live_sets = {"live": live_path}
    if holdout_path is not None and holdout_path.is_file():
        live_sets["live_holdout"] = holdout_path
    for name, path in live_sets.items():
        live = read_live(path)
        live_scores = scorer(live["text"].tolist())
        report[name] = live_report(live_scores.probabilities, labels, live)
        save_scores(
            metrics_dir / f"{kind}_{name}_probs.npz",
            live_scores,
            live["label"].tolist(),
            labels,
            languages=live["language"].tolist(),
        )
    training = model_dir / "training.json"
    if training.is_file():
        report["training"] = json.loads(training.read_text())
    (metrics_dir / f"{kind}.json").write_text(json.dumps(report, indent=2))
    (metrics_dir / f"{kind}_confusion.json").write_text(
        json.dumps({"labels": labels, "matrix": matrix.tolist()}, indent=2)
    )
    plot_confusion(
        matrix,
        labels,
        f"{kind}: accuracy {report['accuracy']:.3f}",
        metrics_dir / f"{kind}_confusion.png",
    )
    val_texts, val_truth = read_split(splits_dir, "val")
    save_scores(metrics_dir / f"{kind}_val_probs.npz", scorer(val_texts), val_truth, labels)
    save_scores(metrics_dir / f"{kind}_test_probs.npz", test_scores, truth, labels)
    log.info(
        "%s: accuracy %.4f, macro-F1 %.4f, ECE %.4f; live-style %s",
        kind,
        report["accuracy"],
        report["macro_f1"],
        report["ece"],
        report["live"]["by_language"],
    )
    return report


def main() -> None:
    settings = PipelineSettings()
    settings.params()  # fail early on a broken params file
    for kind in KINDS:
        evaluate(
            kind,
            settings.models_dir / kind,
            settings.splits_dir,
            settings.metrics_dir,
            settings.live_path,
            settings.live_holdout_path,
        )


if __name__ == "__main__":
    run(main)
