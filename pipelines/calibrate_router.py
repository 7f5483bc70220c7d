"""Pick the SVM-confidence threshold below which the agent escalates a ticket to the transformer.

On the validation split (never the test split): replay the agent's routing rule (`contract.routing`:
non-English, long or complex tickets always go to the transformer; others to the SVM, escalated when
its confidence is below the threshold) for every candidate threshold and keep the threshold with the
best accuracy whose transformer share stays within the budget, less some headroom. The hand-written
live-style set is replayed the same way, with each ticket's labelled language, and weighs
`router.live_weight` in the choice: the validation split is large but stripped like the training
data, the live set small but written like real tickets. The traffic budget is measured on the
validation split. At that threshold the SVM's weight in the blend of both models' probabilities
on the transformer's English tickets (`contract.routing.blend`) is chosen the same way, on the
same two sets (where the transformer was fit on the validation split, that split favours the
transformer and so a small weight: the conservative side). On non-English tickets, which the
validation split does not hold, a weight of its own is chosen on the live set's non-English rows.
The register stage stores the result as tags on the SVM version, and the agent reads it from
there.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from contract.routing import Policy, blend, escalates, forced_to_transformer
from pipelines.cli import StageError, run
from pipelines.evaluate import read_live
from pipelines.params import Params, PipelineSettings
from pipelines.prepare import read_split

log = logging.getLogger("pipelines.calibrate_router")
# The SVM's weights tried in the blend on English tickets; above 0.7 the tickets escalated to
# the transformer would be the SVM's again.
BLEND_WEIGHTS = np.round(np.arange(0.0, 0.75, 0.1), 1)
NON_ENGLISH_WEIGHTS = np.round(np.arange(0.0, 1.05, 0.1), 1)


def load_npz(metrics_dir: Path, kind: str, split: str):
    path = metrics_dir / f"{kind}_{split}_probs.npz"
    if not path.is_file():
        raise StageError(f"{path}: missing; run the evaluate stage first")
    return np.load(path)


def correct(data) -> np.ndarray:
    return data["labels"][data["probs"].argmax(axis=1)] == data["truth"]


def routed(threshold: float, svm_conf: np.ndarray, forced: np.ndarray) -> np.ndarray:
    """Which tickets the agent's policy sends to the transformer at this threshold."""
    return forced | escalates(svm_conf, threshold)


def forced_rows(texts: list[str], languages: list[str], params: Params) -> np.ndarray:
    """What contract.routing sends to the transformer before any SVM answer, row by row."""
    policy = routing_policy(params)
    return np.array(
        [forced_to_transformer(t, lang, policy) for t, lang in zip(texts, languages, strict=True)],
        dtype=bool,
    )


def routing_policy(params: Params, threshold: float = 0.0) -> Policy:
    return Policy(threshold, params.router.long_words, params.router.complexity_max)


def policy_accuracy(to_transformer: np.ndarray, svm_ok: np.ndarray, tr_ok: np.ndarray) -> float:
    return float(np.where(to_transformer, tr_ok, svm_ok).mean())


def sweep(
    svm_conf: np.ndarray, svm_ok: np.ndarray, tr_ok: np.ndarray, forced: np.ndarray
) -> list[dict]:
    """Accuracy and transformer share of the policy at every distinct SVM confidence."""
    rows = []
    for threshold in np.unique(np.concatenate([[0.0], np.round(svm_conf, 4), [1.01]])):
        to_transformer = routed(threshold, svm_conf, forced)
        rows.append(
            {
                "threshold": float(threshold),
                "accuracy": policy_accuracy(to_transformer, svm_ok, tr_ok),
                "transformer_share": float(to_transformer.mean()),
            }
        )
    return rows


def system_correct(svm, transformer, to_transformer: np.ndarray, weight: float) -> np.ndarray:
    """Right or wrong, row by row, when the transformer's rows are answered by the blend."""
    if not np.array_equal(svm["labels"], transformer["labels"]):
        raise StageError("the SVM and the transformer list their classes in different orders")
    mixed = blend(svm["probs"], transformer["probs"], weight)
    probs = np.where(to_transformer[:, None], mixed, svm["probs"])
    return svm["labels"][probs.argmax(axis=1)] == svm["truth"]


def choose_blend(sets: list[tuple[object, object, np.ndarray, np.ndarray]], weight: float) -> dict:
    """The SVM's weight in the blend (contract.routing.blend) on the English rows routed to the
    transformer, at the chosen threshold: the best score of validation and live accuracy
    (weighted like the threshold), the smaller weight on a tie. Sets: (svm, transformer, routed,
    English rows) for the validation split, then the live set."""
    rows = []
    for w in BLEND_WEIGHTS:
        (val, live) = (system_correct(s, t, r, float(w))[en].mean() for s, t, r, en in sets)
        score = (1 - weight) * val + weight * live
        rows.append(
            {
                "weight": float(w),
                "val_accuracy": round(float(val), 4),
                "live_accuracy": round(float(live), 4),
                "score": round(float(score), 6),
            }
        )
    best = max(rows, key=lambda r: (r["score"], -r["weight"]))
    return {
        "blend_weight": best["weight"],
        "blend_val_accuracy": best["val_accuracy"],
        "blend_live_accuracy": best["live_accuracy"],
        "blend_sweep": rows,
    }


def choose_blend_non_english(svm, transformer, to_transformer: np.ndarray, other: np.ndarray):
    """The SVM's weight on non-English tickets, which the validation split (English) cannot
    judge: the best accuracy on the live set's non-English rows, the smaller weight on a tie.
    The whole range is open (1: the SVM's answer), since on these tickets the two models are
    judged on the same footing."""
    if not other.any():
        return {}
    rows = []
    for w in NON_ENGLISH_WEIGHTS:
        accuracy = system_correct(svm, transformer, to_transformer, float(w))[other].mean()
        rows.append({"weight": float(w), "live_accuracy": round(float(accuracy), 4)})
    best = max(rows, key=lambda r: (r["live_accuracy"], -r["weight"]))
    return {
        "blend_weight_non_english": best["weight"],
        "blend_non_english_live_accuracy": best["live_accuracy"],
        "blend_non_english_rows": int(other.sum()),
        "blend_non_english_sweep": rows,
    }


def row_blend_weights(languages, policy: Policy) -> np.ndarray:
    """`Policy.blend_weight_for` on every row at once, shaped to broadcast over the classes:
    the calibration stages replay the agent's blend with it."""
    weights = [policy.blend_weight_for(str(language)) for language in languages]
    return np.asarray(weights, dtype=float)[:, None]


def calibrate(splits_dir: Path, metrics_dir: Path, params: Params, live_path: Path) -> dict:
    val_svm, val_tr = (load_npz(metrics_dir, kind, "val") for kind in ("svm", "transformer"))
    svm_probs, svm_ok, tr_ok = val_svm["probs"], correct(val_svm), correct(val_tr)
    texts, _ = read_split(splits_dir, "val")
    long_words = params.router.long_words
    forced = forced_rows(texts, ["en"] * len(texts), params)  # the splits are English
    rows = sweep(svm_probs.max(axis=1), svm_ok, tr_ok, forced)

    live_svm, live_tr = (load_npz(metrics_dir, kind, "live") for kind in ("svm", "transformer"))
    live_svm_ok, live_tr_ok = correct(live_svm), correct(live_tr)
    live_languages = live_svm["languages"]
    live_conf = live_svm["probs"].max(axis=1)
    live = read_live(live_path)
    live_forced = forced_rows(live["text"].tolist(), live["language"].tolist(), params)
    weight = params.router.live_weight
    for row in rows:
        to_transformer = routed(row["threshold"], live_conf, live_forced)
        row["live_accuracy"] = policy_accuracy(to_transformer, live_svm_ok, live_tr_ok)
        row["score"] = (1 - weight) * row["accuracy"] + weight * row["live_accuracy"]

    budget = params.router.transformer_budget
    target = budget - params.router.budget_headroom
    allowed = [r for r in rows if r["transformer_share"] <= target] or rows[:1]
    best = max(allowed, key=lambda r: (r["score"], r["accuracy"], -r["transformer_share"]))
    result = {
        "svm_threshold": best["threshold"],
        "long_words": long_words,
        "complexity_max": params.router.complexity_max,
        "transformer_budget": budget,
        "budget_headroom": params.router.budget_headroom,
        "live_weight": weight,
        "val_accuracy": round(best["accuracy"], 4),
        "val_transformer_share": round(best["transformer_share"], 4),
        "val_svm_only_accuracy": round(float(svm_ok.mean()), 4),
        "val_transformer_only_accuracy": round(float(tr_ok.mean()), 4),
        "val_forced_share": round(float(forced.mean()), 4),
        "live_accuracy": round(best["live_accuracy"], 4),
        "live_rows": len(live_languages),
        "transformer_val_in_sample": "val" in params.transformer.fit_splits,
    }
    live_routed = routed(best["threshold"], live_conf, live_forced)
    english = live_languages == "en"
    result |= choose_blend(
        [
            (
                val_svm,
                val_tr,
                routed(best["threshold"], svm_probs.max(axis=1), forced),
                np.ones(len(forced), dtype=bool),
            ),
            (live_svm, live_tr, live_routed, english),
        ],
        weight,
    )
    result |= choose_blend_non_english(live_svm, live_tr, live_routed, ~english)
    (metrics_dir / "router.json").write_text(json.dumps(result, indent=2))
    log.info(
        "threshold %.4f: val accuracy %.4f with %.1f%% to the transformer (SVM alone %.4f, "
        "transformer alone %.4f), live-style accuracy %.4f",
        best["threshold"],
        best["accuracy"],
        100 * best["transformer_share"],
        svm_ok.mean(),
        tr_ok.mean(),
        best["live_accuracy"],
    )
    log.info(
        "blend: the SVM weighs %.1f on the transformer's English tickets (val %.4f, live-style "
        "%.4f)",
        result["blend_weight"],
        result["blend_val_accuracy"],
        result["blend_live_accuracy"],
    )
    if "blend_weight_non_english" in result:
        log.info(
            "blend: the SVM weighs %.1f on non-English tickets (live-style %.4f over %d rows)",
            result["blend_weight_non_english"],
            result["blend_non_english_live_accuracy"],
            result["blend_non_english_rows"],
        )
    if result["transformer_val_in_sample"]:
        log.warning(
            "the transformer was fitted on the validation split: its validation accuracy is "
            "optimistic, so the threshold leans to the traffic budget; the test split checks it"
        )
    return result


def main() -> None:
    settings = PipelineSettings()
    calibrate(
        settings.splits_dir,
        settings.metrics_dir,
        settings.params(),
        settings.live_path,
    )


if __name__ == "__main__":
    run(main)
