"""Router accuracy vs transformer share on the held-out test split.

    python -m bench.router

Replays the agent's own routing code (language detection, length, complexity, SVM-confidence
threshold, the calibrated blend where the transformer answers) over the test split, using both
models' test-split probabilities saved by the evaluate stage, so every threshold is scored on
the same 9,568 tickets without re-running the models. Writes bench/results/router.json and
router.png.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from agent.language import LanguageDetector
from contract.routing import TRANSFORMER, Policy, after_svm, features, initial_route
from devtools.harness import ROOT
from pipelines.calibrate_router import load_npz, system_correct

METRICS = ROOT / "metrics"
RESULTS = ROOT / "bench" / "results"


def load(kind: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.load(METRICS / f"{kind}_test_probs.npz")
    probs = data["probs"]
    return probs.max(axis=1), data["labels"][probs.argmax(axis=1)] == data["truth"]


def blended_ok(weight: float, metrics: Path = METRICS) -> np.ndarray:
    """Whether the agent's answer is right on each test ticket the transformer answers: both
    models' probabilities blended at the SVM version's calibrated weight (contract.routing)."""
    svm, tr = (load_npz(metrics, kind, "test") for kind in ("svm", "transformer"))
    return system_correct(svm, tr, np.ones(len(svm["truth"]), dtype=bool), weight)


def replay(texts: list[str], svm_conf, svm_ok, tr_ok, policy: Policy) -> dict:
    """`tr_ok`: right or wrong where the transformer answers (blended, see `blended_ok`)."""
    detector = LanguageDetector()
    to_transformer = []
    forced = 0
    for text, conf in zip(texts, svm_conf, strict=True):
        route = initial_route(features(text, *detector.detect(text)), policy)
        if route.decision == TRANSFORMER:
            forced += 1
        else:
            after_svm(route, float(conf), policy)
        to_transformer.append(route.decision != "svm")
    chosen = np.array(to_transformer)
    return {
        "threshold": policy.svm_threshold,
        "accuracy": round(float(np.where(chosen, tr_ok, svm_ok).mean()), 4),
        "transformer_share": round(float(chosen.mean()), 4),
        "forced_share": round(forced / len(texts), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS / "router.json")
    args = parser.parse_args()
    texts = pd.read_csv(ROOT / "data" / "splits" / "test.csv")["Document"].astype(str).tolist()
    svm_conf, svm_ok = load("svm")
    _, tr_ok = load("transformer")
    calibrated = json.loads((METRICS / "router.json").read_text())
    long_words = calibrated["long_words"]
    thresholds = sorted({0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, calibrated["svm_threshold"]})
    rows = []
    print(f"{'policy':22} {'accuracy':>9} {'to transformer':>15}")
    for label, accuracy, share in (
        ("svm only", svm_ok.mean(), 0.0),
        ("transformer only", tr_ok.mean(), 1.0),
    ):
        rows.append(
            {"policy": label, "accuracy": round(float(accuracy), 4), "transformer_share": share}
        )
        print(f"{label:22} {accuracy:>9.4f} {share:>15.1%}")
    routed_ok = blended_ok(calibrated.get("blend_weight", 0.0))
    for threshold in thresholds:
        row = replay(texts, svm_conf, svm_ok, routed_ok, Policy(threshold, long_words))
        name = f"router t={threshold:.3f}" + (
            " (calibrated)" if threshold == calibrated["svm_threshold"] else ""
        )
        rows.append({"policy": name, **row})
        print(f"{name:22} {row['accuracy']:>9.4f} {row['transformer_share']:>15.1%}")
    best_single = max(svm_ok.mean(), tr_ok.mean())
    chosen = next(r for r in rows if r["policy"].endswith("(calibrated)"))
    summary = {
        "calibrated": chosen,
        "best_single_model_accuracy": round(float(best_single), 4),
        "router_beats_best_single": bool(chosen["accuracy"] >= best_single),
        "within_budget": bool(chosen["transformer_share"] <= calibrated["transformer_budget"]),
    }
    print(json.dumps(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, **summary}, indent=2))
    plot(rows, args.out.with_suffix(".png"), calibrated["transformer_budget"])
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


def plot(rows: list[dict], path: Path, budget: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    routed = [r for r in rows if r["policy"].startswith("router")]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([r["transformer_share"] for r in routed], [r["accuracy"] for r in routed], "o-")
    for r in routed:
        ax.annotate(f"{r['threshold']:.2f}", (r["transformer_share"], r["accuracy"]), fontsize=7)
    for r in rows[:2]:
        ax.scatter([r["transformer_share"]], [r["accuracy"]], marker="s", label=r["policy"])
    ax.axvline(budget, color="grey", linestyle=":", label="transformer budget")
    ax.set(xlabel="share of tickets sent to the transformer", ylabel="test accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
