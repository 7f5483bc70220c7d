"""Live-style tickets (English, French, Arabic) through the real agent: accuracy and trust.

    python -m bench.live [--resamples 1000]

PII scrubbing, language detection, routing and the review band included: this is what a support
team sees. Two sets: `data/live` (development: the router and bands were calibrated on it; also
reported per batch, since batch 2 was written after the glossary was read off batch 1) and
`data/live_holdout` (held out: nothing was tuned on it; also per batch, since batch 1's
aggregates were read after each change until batch 2 was written: batch 2 is the figure to
believe). For each set and
language: accuracy, and the share and accuracy of answers the agent marks `auto` (confident),
each with a bootstrap mean and 95% interval over resampled tickets (48-64 tickets a language:
one ticket moves a language's accuracy by 1.5-2 points).

Starts both predictors and the agent. With MLFLOW_TRACKING_URI reachable (as in `make up`) the
predictors load `production` from the registry, so answers carry the version whose calibrated
routing and band thresholds the agent applies; without it, model folders and the agent's
defaults (every answer `review`). Writes bench/results/live.json and live.png.

Then the desk's own category mix (agent/traffic_mix.py): a person reviews the development set's
`review`-band answers with their true categories, the agent estimates the mix from its store (the
default `CCAI_AGENT_TRAFFIC_MIX_MIN_REVIEWS`), and both sets are classified again. The held-out
figure with it is still out of sample: only development labels were reviewed. The development
one is in sample (its own labels set the mix). Both sets hold every category equally often, which
is what the reviewed mix finds; a desk with another mix gets another correction.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
from mlflow import MlflowClient

from devtools.harness import ROOT, agent, machine, predictor

RESULTS = ROOT / "bench" / "results"
SETS = {
    "development": ROOT / "data" / "live" / "live_tickets.csv",
    "holdout": ROOT / "data" / "live_holdout" / "holdout_tickets.csv",
}


def interval(values: np.ndarray) -> dict:
    return {
        "mean": round(float(np.mean(values)), 4),
        "low": round(float(np.percentile(values, 2.5)), 4),
        "high": round(float(np.percentile(values, 97.5)), 4),
    }


def bootstrap(correct: np.ndarray, auto: np.ndarray, resamples: int, seed: int = 0) -> dict:
    """Accuracy, auto share and auto accuracy, each with a bootstrap mean and 95% interval."""
    rng = np.random.default_rng(seed)
    n = len(correct)
    picks = rng.integers(0, n, size=(resamples, n))
    accuracy = correct[picks].mean(axis=1)
    auto_share = auto[picks].mean(axis=1)
    with np.errstate(invalid="ignore"):
        auto_accuracy = (correct[picks] & auto[picks]).sum(axis=1) / auto[picks].sum(axis=1)
    auto_accuracy = auto_accuracy[~np.isnan(auto_accuracy)]
    return {
        "tickets": n,
        "accuracy": round(float(correct.mean()), 4),
        "accuracy_bootstrap": interval(accuracy),
        "auto": int(auto.sum()),
        "auto_share": round(float(auto.mean()), 4),
        "auto_share_bootstrap": interval(auto_share),
        "auto_accuracy": round(float(correct[auto].mean()), 4) if auto.any() else None,
        "auto_accuracy_bootstrap": interval(auto_accuracy) if len(auto_accuracy) else None,
    }


def classify_all(client: httpx.Client, frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for ticket in frame.itertuples():
        answer = client.post("/v1/classify", json={"text": ticket.text}).json()
        rows.append(
            {
                "language": ticket.language,
                "batch": getattr(ticket, "batch", ""),
                "label": ticket.label,
                "category": answer["category"],
                "confidence": answer["confidence"],
                "familiarity": answer["familiarity"],
                "band": answer["band"],
                "band_reason": answer["route"]["reasons"][-1]["code"],
                "decision": answer["route"]["decision"],
                "model": answer["model"],
                "request_id": answer["request_id"],
                "moved": "traffic_mix" in [r["code"] for r in answer["route"]["reasons"]],
            }
        )
    return pd.DataFrame(rows)


def review_band(client: httpx.Client, answers: pd.DataFrame, timeout_s: float = 60.0) -> int:
    """A person gives every `review` answer its true category; returns how many."""
    pending = answers[answers["band"] == "review"]
    deadline = time.monotonic() + timeout_s
    for row in pending.itertuples():
        while True:  # answers are stored after the response: poll until this one is
            body = {"request_id": row.request_id, "category": row.label}
            response = client.post("/v1/feedback", json=body)
            if response.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        response.raise_for_status()
    return len(pending)


def wait_for_mix(client: httpx.Client, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = client.get("/v1/traffic-mix").json()
        if state["active"]:
            return state
        time.sleep(0.5)
    return state


def wait_for_registry_policy(client: httpx.Client, timeout_s: float = 30.0) -> None:
    """The agent loads the answering versions' tags in the background: poll until it has."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = client.post("/v1/classify", json={"text": "reset my password please"}).json()
        reasons = answer["route"]["reasons"]
        if "calibrated for" in answer["route"]["rationale"] and reasons[-1]["code"] != (
            "uncalibrated"
        ):
            return
        time.sleep(0.5)
    raise SystemExit("the agent did not load calibrated policies from the registry in time")


def report(answers: pd.DataFrame, resamples: int) -> dict:
    correct = (answers["category"] == answers["label"]).to_numpy()
    auto = (answers["band"] == "auto").to_numpy()
    out = {"all": bootstrap(correct, auto, resamples)}
    for lang in sorted(answers["language"].unique()):
        rows = (answers["language"] == lang).to_numpy()
        out[lang] = bootstrap(correct[rows], auto[rows], resamples)
        out[lang]["routes"] = answers.loc[rows, "decision"].value_counts().to_dict()
        out[lang]["review_reasons"] = (
            answers.loc[rows & ~auto, "band_reason"].value_counts().to_dict()
        )
    wrong = answers[~correct]
    out["predicted_when_wrong"] = wrong["category"].value_counts().to_dict()
    return out


def report_by_batch(results: dict, name: str, answers: pd.DataFrame, resamples: int) -> None:
    """The whole set under `name`, and each batch it was written in under `name batch N`: a later
    batch has steered nothing yet, so its figure is the one to believe."""
    results[name] = report(answers, resamples)
    for batch in sorted(set(answers["batch"]) - {""}):
        picked = answers[answers["batch"] == batch].reset_index(drop=True)
        results[f"{name} batch {batch}"] = report(picked, resamples)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, key, title in (
        (axes[0], "accuracy_bootstrap", "accuracy, all answers"),
        (axes[1], "auto_accuracy_bootstrap", "accuracy of `auto` answers"),
    ):
        width = 0.8 / len(results)
        for n, (name, data) in enumerate(results.items()):
            offset = (n - (len(results) - 1) / 2) * width
            langs = ["en", "fr", "ar"]
            stats = [data[lang][key] or {"mean": 0, "low": 0, "high": 0} for lang in langs]
            x = np.arange(len(langs)) + offset
            mean = [s["mean"] for s in stats]
            err = [
                [m - s["low"] for m, s in zip(mean, stats, strict=True)],
                [s["high"] - m for m, s in zip(mean, stats, strict=True)],
            ]
            ax.bar(x, mean, width, yerr=err, capsize=3, label=name)
            if key == "auto_accuracy_bootstrap":
                for xi, lang in zip(x, langs, strict=True):
                    ax.text(xi, 0.02, f"{data[lang]['auto_share']:.0%}", ha="center", fontsize=8)
        ax.set_xticks(range(3), ["en", "fr", "ar"])
        ax.set_title(title)
        ax.set_ylim(0, 1)
    axes[1].axhline(0.9, color="grey", linestyle="--", linewidth=1)
    axes[0].set_ylabel("accuracy (bootstrap mean, 95% interval)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Live-style tickets through the agent (bar labels: share of answers in `auto`)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def test_split_figures(dirs: dict[str, str], registry: str | None) -> dict:
    """The test-split accuracy of the versions that answered: from their registry runs when
    they came from the registry (a quick version's are not the committed metrics/), else
    metrics/. The router's replay (bench/results/router.json, on metrics/) only when both
    models are the ones metrics/ describes."""
    committed = {}
    for kind in ("svm", "transformer"):
        path = ROOT / "metrics" / f"{kind}.json"
        if path.is_file():
            committed[kind] = json.loads(path.read_text())["accuracy"]
    figures = {}
    client = MlflowClient(registry) if registry else None
    for kind, uri in dirs.items():
        if client is not None and uri.startswith("models:/"):
            ref = uri.removeprefix("models:/")
            if "@" in ref:  # models:/NAME@ALIAS
                version = client.get_model_version_by_alias(*ref.split("@", 1))
            else:  # models:/NAME/VERSION
                version = client.get_model_version(*ref.rsplit("/", 1))
            figures[kind] = client.get_run(version.run_id).data.metrics.get("test_accuracy")
            figures[f"{kind}_version"] = version.version
        else:
            figures[kind] = committed.get(kind)
    router = RESULTS / "router.json"
    same = all(figures.get(k) == committed.get(k) for k in ("svm", "transformer"))
    if router.is_file() and same:
        figures["router"] = json.loads(router.read_text())["calibrated"]["accuracy"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svm-dir", default=None, help="default: registry production or models/")
    parser.add_argument("--transformer-dir", default=None)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "live.json")
    args = parser.parse_args()
    registry = os.environ.get("MLFLOW_TRACKING_URI")
    dirs = {}
    for kind, given in (("svm", args.svm_dir), ("transformer", args.transformer_dir)):
        default = (
            f"models:/callcenter-{kind}@production" if registry else str(ROOT / "models" / kind)
        )
        dirs[kind] = given or default
    if not registry:
        print("warning: no MLFLOW_TRACKING_URI: uncalibrated bands, every answer is `review`")
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    env = {"MLFLOW_TRACKING_URI": registry} if registry else None
    svm = predictor("svm", dirs["svm"], tmp, env=env)
    transformer = predictor("transformer", dirs["transformer"], tmp, env=env)
    extra = {"mlflow_tracking_uri": registry} if registry else {}
    # A store for the review step; the mix is refreshed after each review and not on a timer
    # here, so the held-out run sees the mix the reviews left.
    extra.update(store_url=f"sqlite:///{tmp}/review.db", traffic_mix_refresh_s="86400")
    front = None
    results, answers, desk = {}, {}, {}
    try:
        svm.start()
        transformer.start()
        front = agent(tmp, svm.url, transformer.url, **extra).start()
        with httpx.Client(base_url=front.url, timeout=60) as client:
            if registry:
                wait_for_registry_policy(client)
            frames = {name: pd.read_csv(path, keep_default_na=False) for name, path in SETS.items()}
            for name, frame in frames.items():
                answers[name] = classify_all(client, frame)
                report_by_batch(results, name, answers[name], args.resamples)
            desk["reviewed"] = review_band(client, answers["development"])
            desk["state"] = wait_for_mix(client)
            if desk["state"]["active"]:
                for name in ("holdout", "development"):
                    moved = classify_all(client, frames[name])
                    report_by_batch(results, f"{name} + desk mix", moved, args.resamples)
                    results[f"{name} + desk mix"]["moved_answers"] = int(moved["moved"].sum())
    finally:
        for server in (front, svm, transformer):
            if server is not None:
                server.stop()
    test_split = test_split_figures(dirs, registry)
    print(
        f"{'set':24} {'lang':4} {'accuracy (95% CI)':>22} {'auto share':>11} {'auto accuracy':>14}"
    )
    for name, data in results.items():
        for lang in ("en", "fr", "ar", "all"):
            row = data[lang]
            ci = row["accuracy_bootstrap"]
            auto_acc = "-" if row["auto_accuracy"] is None else f"{row['auto_accuracy']:.3f}"
            print(
                f"{name:24} {lang:4} {row['accuracy']:>7.3f} ({ci['low']:.2f}-{ci['high']:.2f})"
                f"{'':5} {row['auto_share']:>10.1%} {auto_acc:>14} ({row['auto']} answers)"
            )
    state = desk["state"]
    print(
        f"desk mix: {desk['reviewed']} development answers reviewed, active {state['active']} "
        f"(min {state['min_reviews']}): {state['mix']}"
    )
    print(f"test split: {test_split}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": machine(),
                "models": dirs,
                "sets": results,
                "test_split": test_split,
                "desk_mix": {"reviewed_development_answers": desk["reviewed"], **desk["state"]},
                "resamples": args.resamples,
            },
            indent=2,
        )
    )
    plot(results, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
