"""Router accuracy vs transformer share on the held-out test split.

    python -m bench.router

Replays the agent's own routing code (language detection, length, complexity, SVM-confidence
threshold, the calibrated blend where the transformer answers: devtools/router_replay.py) over
the test split, using both
models' test-split probabilities saved by the evaluate stage, so every threshold is scored on
the same 9,568 tickets without re-running the models. Writes bench/results/router.json and
router.png.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from contract.routing import Policy
from devtools.harness import ROOT
from devtools.router_replay import METRICS, blended_ok, load, replay

RESULTS = ROOT / "bench" / "results"


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
