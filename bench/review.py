"""How much a support team can auto-route, and how right those answers are: the `auto` band.

    python -m bench.review [--metrics-dir metrics] [--out bench/results/review.json]

Replays the agent's routing and contract.bands' rule on the saved probabilities of the served
models (`metrics/*_probs.npz`, written by the evaluate stage) with the thresholds that
calibrate_bands chose (metrics/bands.json): coverage and accuracy of `auto` on the test split and
on both live-style sets. Then the whole coverage/accuracy curve on each set, sweeping one
confidence threshold over both models (familiarity thresholds as calibrated), and the same curve
when escalated tickets are answered by the average of the two models' probabilities instead of
the transformer's alone (a lever, not what the agent does). The best coverage at the target on
the test split is read off the curve for scale only: the thresholds are never chosen on it.
Writes JSON and a PNG of the curves.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from contract.routing import Policy
from devtools.harness import ROOT, machine
from pipelines.calibrate_bands import Replay, replay
from pipelines.calibrate_router import forced_rows, load_npz
from pipelines.evaluate import read_live
from pipelines.params import PipelineSettings, load_params
from pipelines.prepare import read_split

RESULTS = ROOT / "bench" / "results"
SETS = ("test", "live", "live_holdout")
SWEEP = np.round(np.arange(0.30, 1.0, 0.01), 2)


def blended(metrics_dir: Path, split: str, forced: np.ndarray, threshold: float) -> Replay:
    """The replay with escalations answered by the mean of both models' probabilities."""
    base = replay(metrics_dir, split, forced, Policy(threshold))
    svm, tr = load_npz(metrics_dir, "svm", split), load_npz(metrics_dir, "transformer", split)
    escalated = ~forced & (svm["probs"].max(axis=1) < threshold)
    mean = (svm["probs"] + tr["probs"]) / 2
    ok = svm["labels"][mean.argmax(axis=1)] == svm["truth"]
    return Replay(
        base.answered_by,
        np.where(escalated, mean.max(axis=1), base.confidence),
        base.familiarity,
        np.where(escalated, ok, base.ok),
        np.zeros_like(base.disagree),  # one blended answer: nothing to disagree with
        base.languages,
    )


def curve(data: Replay, familiarity: dict[str, float]) -> list[dict]:
    rows = []
    for t in SWEEP:
        auto = np.zeros(len(data.ok), dtype=bool)
        for kind, fam in familiarity.items():
            auto |= (data.answered_by == kind) & (data.confidence >= t) & (data.familiarity >= fam)
        auto &= ~data.disagree
        rows.append(
            {
                "confidence": float(t),
                "coverage": round(float(auto.mean()), 4),
                "accuracy": round(float(data.ok[auto].mean()), 4) if auto.any() else None,
            }
        )
    return rows


def best_at(points: list[dict], target: float) -> dict | None:
    ok = [p for p in points if p["accuracy"] is not None and p["accuracy"] >= target]
    return max(ok, key=lambda p: p["coverage"]) if ok else None


def operating_point(data: Replay, policies: dict) -> dict:
    from contract.bands import BandPolicy

    auto = data.auto(
        {k: BandPolicy(v["confidence"], v["familiarity"]) for k, v in policies.items()}
    )
    return {
        "rows": len(auto),
        "accuracy_all": round(float(data.ok.mean()), 4),
        "auto_coverage": round(float(auto.mean()), 4),
        "auto_accuracy": round(float(data.ok[auto].mean()), 4) if auto.any() else None,
        "auto_rows": int(auto.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS / "review.json")
    args = parser.parse_args()
    settings = PipelineSettings()
    metrics_dir = args.metrics_dir or settings.metrics_dir
    params = load_params(settings.params_file)
    bands = json.loads((metrics_dir / "bands.json").read_text())
    threshold = float(bands["router_threshold"])
    # What the agent blends with (calibrated): one weight for English, one for other languages.
    policy = Policy(
        threshold,
        blend_weight=float(bands.get("blend_weight", 0.0)),
        blend_weight_non_english=bands.get("blend_weight_non_english"),
    )
    policies = bands["policies"]
    familiarity = {k: v["familiarity"] for k, v in policies.items()}
    target = params.bands.target_accuracy
    report: dict = {"machine": machine(), "target_accuracy": target, "sets": {}}
    for name in SETS:
        if name == "test":
            texts, _ = read_split(settings.splits_dir, "test")
            languages = ["en"] * len(texts)
        else:
            path = settings.live_path if name == "live" else settings.live_holdout_path
            live = read_live(path)
            texts, languages = live["text"].tolist(), live["language"].tolist()
        forced = forced_rows(texts, languages, params)
        agent = replay(metrics_dir, name, forced, policy)
        blend = blended(metrics_dir, name, forced, threshold)
        curves = {
            "agent": curve(agent, familiarity),
            "blend_escalations": curve(blend, familiarity),
        }
        report["sets"][name] = {
            "calibrated": operating_point(agent, policies),
            "blend_escalations_accuracy_all": round(float(blend.ok.mean()), 4),
            "best_coverage_at_target": {k: best_at(c, target) for k, c in curves.items()},
            "curves": curves,
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    plot(report, args.out.with_suffix(".png"))
    print(f"{'set':<13} {'all':>6} {'auto cov':>8} {'auto acc':>8} {'best cov@t':>10} {'blend':>6}")
    for name, r in report["sets"].items():
        cal, best = r["calibrated"], r["best_coverage_at_target"]["agent"]
        print(
            f"{name:<13} {cal['accuracy_all']:>6.4f} {cal['auto_coverage']:>8.4f} "
            f"{cal['auto_accuracy'] or 0:>8.4f} {best['coverage'] if best else 0:>10.4f} "
            f"{r['blend_escalations_accuracy_all']:>6.4f}"
        )
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(report["sets"]), figsize=(5 * len(report["sets"]), 4))
    for ax, (name, r) in zip(np.atleast_1d(axes), report["sets"].items(), strict=True):
        for label, points in r["curves"].items():
            pts = [p for p in points if p["accuracy"] is not None]
            ax.plot([p["coverage"] for p in pts], [p["accuracy"] for p in pts], label=label)
        cal = r["calibrated"]
        if cal["auto_accuracy"] is not None:
            ax.scatter([cal["auto_coverage"]], [cal["auto_accuracy"]], color="red", zorder=3)
            ax.annotate("calibrated", (cal["auto_coverage"], cal["auto_accuracy"]))
        ax.axhline(report["target_accuracy"], color="grey", linestyle=":")
        ax.set(title=f"{name} ({cal['rows']} tickets)", xlabel="auto coverage", ylim=(0.3, 1.01))
        ax.set_ylabel("accuracy of auto answers")
        ax.legend(loc="lower left")
    fig.suptitle(f"auto band: coverage vs accuracy ({report['machine'].get('cpu', '')})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
